// The fake Chat server's groups, one-to-one conversations and message history, and its answers to
// the REST commands that read and recall them. Shapes follow Tencent's pages: group_msg_get_simple
// (cloud.tencent.com/document/product/269/2738), admin_getroammsg (/269/42794),
// get_appid_group_list (/269/1614), get_group_info (/269/1616), group_msg_recall (/269/12341),
// admin_msgwithdraw (/269/38980). Where the pages leave a behaviour open, the choice is said here.
import { randomInt } from 'node:crypto';
import { GROUP_INVALID_PARAMETER, GROUP_NO_PERMISSION, GROUP_NOT_FOUND } from '../protocol/chat-api-error-codes';
import { FakeChatFailure, type AnswerFields } from './fake-chat-failure';
import {
  c2cMessageFields,
  groupMessageFields,
  integerField,
  newStream,
  optionalInteger,
  optionalString,
  placeMark,
  requiredString,
  type C2CMessage,
  type GroupMessage,
  type MessageStream,
} from './fake-chat-fields';

/** REST names (Private, ChatRoom) and the console's newer names for them (Work, Meeting). */
export type FakeGroupType = 'Public' | 'Private' | 'ChatRoom' | 'AVChatRoom' | 'Community' | 'Work' | 'Meeting';

export { FakeChatFailure, type AnswerFields } from './fake-chat-failure';

// group_msg_get_simple returns at most 20 messages a call.
const MAX_GROUP_MESSAGES_PER_CALL = 20;
// admin_getroammsg's answer holds about 13 KB of messages; the rest needs another call.
const ROAM_ANSWER_BYTES = 13 * 1024;
const MAX_GROUP_INFO_IDS = 50;
const MAX_GROUP_LIST_LIMIT = 10_000;
const MAX_RECALL_SEQS = 10;
// group_msg_recall's per-message RetCode for a message that cannot be recalled; Tencent's
// samples show 10030 in RecallRetList, which the fake uses for missing, deleted and expired messages.
const RECALL_NOT_FOUND = 10030;
// admin_msgwithdraw's codes (/269/38980).
const C2C_MESSAGE_NOT_FOUND = 20022;
const C2C_ALREADY_RECALLED = 20023;
const C2C_BAD_JSON = 90001;
const C2C_MISSING_TO = 90003;
const C2C_MISSING_FROM = 90008;
const C2C_BAD_MSG_KEY = 90054;

interface Group {
  groupId: string;
  type: FakeGroupType;
  createdAt: number;
  topics: Set<string>;
  /** The group's own messages under '', each topic's under its TopicId. */
  streams: Map<string, MessageStream>;
}

export interface GroupRecall {
  groupId: string;
  type: FakeGroupType;
  topicId: string | undefined;
  msgSeqs: number[];
}

export interface C2CRecall {
  from: string;
  to: string;
  msgKey: string;
}

export class FakeChatStore {
  private readonly groups = new Map<string, Group>();
  // Keyed by the two accounts in sorted order: both parties read the same conversation.
  private readonly conversations = new Map<string, C2CMessage[]>();
  private nextGroupNumber = 1;

  constructor(
    private readonly nowSeconds: () => number,
    private readonly retentionSeconds: number,
  ) {}

  createGroup(groupId: string | undefined, type: FakeGroupType, topics: readonly string[]): string {
    const id = groupId ?? `@TGS#${type === 'Community' ? '_' : ''}FAKE${this.nextGroupNumber++}`;
    if (this.groups.has(id)) throw new Error(`fake chat server: group ${id} exists already`);
    if (topics.length > 0 && type !== 'Community') {
      throw new Error(`fake chat server: only Community groups have topics, ${id} is ${type}`);
    }
    const streams = new Map<string, MessageStream>([['', newStream()]]);
    for (const topic of topics) streams.set(topic, newStream());
    this.groups.set(id, { groupId: id, type, createdAt: this.nowSeconds(), topics: new Set(topics), streams });
    return id;
  }

  sendGroupMessage(groupId: string, topicId: string | undefined, from: string, text: string, time: number) {
    const stream = this.stream(this.existingGroup(groupId), topicId);
    const message: GroupMessage = {
      seq: stream.nextSeq++,
      random: randomInt(2 ** 32),
      time,
      from,
      text,
      recalled: false,
      deleted: false,
    };
    stream.messages.set(message.seq, message);
    return { msgSeq: message.seq, msgTime: message.time, random: message.random };
  }

  /** Marks the message recalled and returns its sender; undefined when it is missing, deleted, expired or recalled already. */
  recallGroupMessage(groupId: string, topicId: string | undefined, msgSeq: number): string | undefined {
    const message = this.stream(this.existingGroup(groupId), topicId).messages.get(msgSeq);
    if (message === undefined || message.deleted || message.recalled || this.expired(message.time)) return undefined;
    message.recalled = true;
    return message.from;
  }

  deleteGroupMessage(groupId: string, topicId: string | undefined, msgSeq: number): void {
    const message = this.stream(this.existingGroup(groupId), topicId).messages.get(msgSeq);
    if (message === undefined) throw new Error(`fake chat server: ${groupId} has no message ${msgSeq}`);
    message.deleted = true;
  }

  groupType(groupId: string): FakeGroupType {
    return this.existingGroup(groupId).type;
  }

  sendC2CMessage(from: string, to: string, text: string, time: number) {
    const conversation = this.conversation(from, to);
    // One-to-one MsgSeqs are per conversation and large; the MsgKey is <MsgSeq>_<MsgRandom>_<time>.
    const seq = 1_000_000 + conversation.length;
    const random = randomInt(2 ** 32);
    const key = `${seq}_${random}_${time}`;
    conversation.push({ from, to, seq, random, time, key, text, recalled: false, deletedFor: new Set() });
    return { msgKey: key, msgSeq: seq, msgRandom: random, msgTime: time };
  }

  /** Marks the message recalled; throws the admin_msgwithdraw failure when it cannot be. */
  recallC2CMessage(from: string, to: string, msgKey: string): void {
    const message = this.conversation(from, to).find((m) => m.key === msgKey && m.from === from);
    if (message === undefined || message.deletedFor.size === 2 || this.expired(message.time)) {
      throw new FakeChatFailure(C2C_MESSAGE_NOT_FOUND, 'the message to recall does not exist');
    }
    if (message.recalled) throw new FakeChatFailure(C2C_ALREADY_RECALLED, 'the message was recalled already');
    message.recalled = true;
  }

  /** Deletes the message from `by`'s view of the conversation (default both parties'). */
  deleteC2CMessage(from: string, to: string, msgKey: string, by: readonly string[]): void {
    const message = this.conversation(from, to).find((m) => m.key === msgKey);
    if (message === undefined) throw new Error(`fake chat server: no message ${msgKey} between ${from} and ${to}`);
    for (const account of by) message.deletedFor.add(account);
  }

  // group_open_http_svc/group_msg_get_simple
  groupMessages(body: AnswerFields): AnswerFields {
    const group = this.requestedGroup(body);
    // AVChatRoom groups store no history, so the API does not serve them (the ErrorCode is not documented).
    if (group.type === 'AVChatRoom') {
      throw new FakeChatFailure(GROUP_NO_PERMISSION, 'AVChatRoom groups do not support message history');
    }
    const topicId = optionalString(body, 'TopicId', GROUP_INVALID_PARAMETER);
    if (topicId !== undefined && !group.topics.has(topicId)) {
      throw new FakeChatFailure(GROUP_INVALID_PARAMETER, `TopicId ${topicId} is not a topic of the group`);
    }
    const wanted = integerField(body, 'ReqMsgNumber', GROUP_INVALID_PARAMETER, { min: 1 });
    const stream = this.stream(group, topicId);
    const lastSeq = stream.nextSeq - 1;
    const top = Math.min(optionalInteger(body, 'ReqMsgSeq', GROUP_INVALID_PARAMETER) ?? lastSeq, lastSeq);
    const rangeBottom = Math.max(1, top - wanted + 1);
    const bottom = Math.max(rangeBottom, top - MAX_GROUP_MESSAGES_PER_CALL + 1);
    const withRecalled = body.WithRecalledMsg === 1;
    const list: AnswerFields[] = [];
    let allExpired = true;
    for (let seq = top; seq >= bottom; seq--) {
      const message = stream.messages.get(seq) as GroupMessage;
      const expired = this.expired(message.time);
      allExpired &&= expired;
      // Without WithRecalledMsg, recalled messages are left out, leaving a gap in the seqs (the
      // pages say they are "not pulled"; whether a placeholder stands in is not documented).
      if (message.recalled && !expired && !withRecalled) continue;
      list.push(groupMessageFields(message, placeMark(message, expired)));
    }
    // IsFinished: 1 when the whole requested range is answered, 0 when it was cut at 20, 2 when
    // it was cut and every message in it had expired.
    return {
      GroupId: group.groupId,
      IsFinished: bottom === rangeBottom ? 1 : allExpired ? 2 : 0,
      RspMsgList: list,
    };
  }

  // openim/admin_getroammsg
  roamingMessages(body: AnswerFields): AnswerFields {
    const operator = requiredString(body, 'Operator_Account', C2C_BAD_JSON);
    const peer = requiredString(body, 'Peer_Account', C2C_BAD_JSON);
    const maxCount = integerField(body, 'MaxCnt', C2C_BAD_JSON, { min: 1 });
    const minTime = integerField(body, 'MinTime', C2C_BAD_JSON, { min: 0 });
    const maxTime = integerField(body, 'MaxTime', C2C_BAD_JSON, { min: 0 });
    const lastMsgKey = optionalString(body, 'LastMsgKey', C2C_BAD_JSON);
    let visible = this.conversation(operator, peer).filter(
      (m) => !m.deletedFor.has(operator) && !this.expired(m.time) && m.time >= minTime && m.time <= maxTime,
    );
    // A continuation starts below the last page's oldest message.
    if (lastMsgKey) {
      const index = visible.findIndex((m) => m.key === lastMsgKey);
      if (index >= 0) visible = visible.slice(0, index);
    }
    // A page is the newest messages left, listed oldest first as in Tencent's sample; LastMsgTime
    // and LastMsgKey name the page's oldest message, where the next call continues.
    const page: AnswerFields[] = [];
    let bytes = 0;
    for (let i = visible.length - 1; i >= 0 && page.length < maxCount; i--) {
      const fields = c2cMessageFields(visible[i]);
      bytes += JSON.stringify(fields).length;
      if (page.length > 0 && bytes > ROAM_ANSWER_BYTES) break;
      page.unshift(fields);
    }
    const oldest = page[0];
    return {
      Complete: page.length === visible.length ? 1 : 0,
      MsgCnt: page.length,
      LastMsgTime: oldest?.MsgTimeStamp ?? 0,
      LastMsgKey: oldest?.MsgKey ?? '',
      MsgList: page,
    };
  }

  // group_open_http_svc/get_appid_group_list. Next is the offset of the next page (0: no more).
  groupList(body: AnswerFields): AnswerFields {
    const limit =
      optionalInteger(body, 'Limit', GROUP_INVALID_PARAMETER, { min: 1, max: MAX_GROUP_LIST_LIMIT }) ??
      MAX_GROUP_LIST_LIMIT;
    const offset = optionalInteger(body, 'Next', GROUP_INVALID_PARAMETER, { min: 0 }) ?? 0;
    const type = optionalString(body, 'GroupType', GROUP_INVALID_PARAMETER);
    const matching = [...this.groups.values()].filter((g) => type === undefined || g.type === type);
    const page = matching.slice(offset, offset + limit);
    const next = offset + page.length;
    return {
      TotalCount: matching.length,
      GroupIdList: page.map((g) => ({ GroupId: g.groupId })),
      Next: next < matching.length ? next : 0,
    };
  }

  // group_open_http_svc/get_group_info: one entry per id, a missing group with its own ErrorCode.
  groupInfo(body: AnswerFields): AnswerFields {
    const ids = body.GroupIdList;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_GROUP_INFO_IDS) {
      throw new FakeChatFailure(GROUP_INVALID_PARAMETER, `GroupIdList must hold 1 to ${MAX_GROUP_INFO_IDS} group IDs`);
    }
    const filter = (body.ResponseFilter as { GroupBaseInfoFilter?: unknown } | undefined)?.GroupBaseInfoFilter;
    const fields = Array.isArray(filter) ? new Set(filter.map(String)) : undefined;
    return {
      GroupInfo: ids.map((id) => {
        const group = this.groups.get(String(id));
        if (group === undefined) {
          return { GroupId: String(id), ErrorCode: GROUP_NOT_FOUND, ErrorInfo: 'group does not exist' };
        }
        const info: AnswerFields = this.groupBaseInfo(group);
        for (const name of Object.keys(info)) if (fields && !fields.has(name)) delete info[name];
        return { GroupId: group.groupId, ErrorCode: 0, ErrorInfo: '', ...info };
      }),
    };
  }

  // million_group_open_http_svc/get_topic (/1047/49469): the topics of a topic-enabled community.
  // The error for a group without topics is not documented: the fake answers GROUP_INVALID_PARAMETER.
  topics(body: AnswerFields): AnswerFields {
    const group = this.requestedGroup(body);
    requiredString(body, 'From_Account', GROUP_INVALID_PARAMETER);
    if (group.type !== 'Community' || group.topics.size === 0) {
      throw new FakeChatFailure(GROUP_INVALID_PARAMETER, `group ${group.groupId} does not support topics`);
    }
    return {
      TopicAndSelfInfo: [...group.topics].map((topicId) => {
        const stream = this.stream(group, topicId);
        return {
          TopicInfo: {
            TopicId: topicId,
            TopicName: topicId,
            GroupID: group.groupId,
            NextMsgSeq: stream.nextSeq,
            LastMsgTime: [...stream.messages.values()].reduce((latest, m) => Math.max(latest, m.time), 0),
            CreateTime: group.createdAt,
          },
          SelfInfo: { MsgSeq: 0, MsgFlag: 0, ShutUpTime: 0 },
          ErrorCode: 0,
          ErrorInfo: '',
        };
      }),
    };
  }

  // group_open_http_svc/group_msg_recall
  recallGroupMessagesByRequest(body: AnswerFields): { answer: AnswerFields; recall: GroupRecall } {
    const group = this.requestedGroup(body);
    const topicId = optionalString(body, 'TopicId', GROUP_INVALID_PARAMETER);
    if (topicId !== undefined && !group.topics.has(topicId)) {
      throw new FakeChatFailure(GROUP_INVALID_PARAMETER, `TopicId ${topicId} is not a topic of the group`);
    }
    const list = body.MsgSeqList;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_RECALL_SEQS) {
      throw new FakeChatFailure(GROUP_INVALID_PARAMETER, `MsgSeqList must hold 1 to ${MAX_RECALL_SEQS} items`);
    }
    const seqs = list.map((item) => integerField(item as AnswerFields, 'MsgSeq', GROUP_INVALID_PARAMETER, { min: 1 }));
    const results = seqs.map((seq) => ({
      MsgSeq: seq,
      RetCode: this.recallGroupMessage(group.groupId, topicId, seq) === undefined ? RECALL_NOT_FOUND : 0,
    }));
    return {
      answer: { RecallRetList: results },
      recall: {
        groupId: group.groupId,
        type: group.type,
        topicId,
        msgSeqs: results.filter((r) => r.RetCode === 0).map((r) => r.MsgSeq),
      },
    };
  }

  // openim/admin_msgwithdraw
  recallC2CMessageByRequest(body: AnswerFields): C2CRecall {
    const from = requiredString(body, 'From_Account', C2C_MISSING_FROM);
    const to = requiredString(body, 'To_Account', C2C_MISSING_TO);
    const msgKey = requiredString(body, 'MsgKey', C2C_BAD_MSG_KEY);
    if (!/^\d+_\d+_\d+$/.test(msgKey)) throw new FakeChatFailure(C2C_BAD_MSG_KEY, 'MsgKey is not valid');
    this.recallC2CMessage(from, to, msgKey);
    return { from, to, msgKey };
  }

  private groupBaseInfo(group: Group): AnswerFields {
    const all = [...group.streams.values()].flatMap((s) => [...s.messages.values()]);
    return {
      Type: group.type,
      Name: group.groupId,
      CreateTime: group.createdAt,
      LastMsgTime: all.reduce((latest, m) => Math.max(latest, m.time), 0),
      SupportTopic: group.type === 'Community' && group.topics.size > 0 ? 1 : 0,
      NextMsgSeq: (group.streams.get('') as MessageStream).nextSeq,
      MemberNum: 0,
    };
  }

  private requestedGroup(body: AnswerFields): Group {
    const groupId = requiredString(body, 'GroupId', GROUP_INVALID_PARAMETER);
    const group = this.groups.get(groupId);
    if (group === undefined) throw new FakeChatFailure(GROUP_NOT_FOUND, `group ${groupId} does not exist`);
    return group;
  }

  private existingGroup(groupId: string): Group {
    const group = this.groups.get(groupId);
    if (group === undefined) throw new Error(`fake chat server: no group ${groupId}`);
    return group;
  }

  private stream(group: Group, topicId: string | undefined): MessageStream {
    const stream = group.streams.get(topicId ?? '');
    if (stream === undefined) throw new Error(`fake chat server: ${group.groupId} has no topic ${topicId}`);
    return stream;
  }

  private conversation(a: string, b: string): C2CMessage[] {
    const key = JSON.stringify([a, b].sort());
    let conversation = this.conversations.get(key);
    if (conversation === undefined) {
      conversation = [];
      this.conversations.set(key, conversation);
    }
    return conversation;
  }

  /** Older than the roaming retention: history no longer serves it. */
  private expired(time: number): boolean {
    return time < this.nowSeconds() - this.retentionSeconds;
  }
}

/**
 * The most calls (of `command`, or of all) in one second: `fixed` counts calendar seconds of the
 * calls' arrival times (`at`, ms), as a server that resets its counter each second would;
 * `sliding` the busiest window of 1000 ms starting anywhere, which no rate limit may exceed either.
 */
export function busiestSecond(
  calls: ReadonlyArray<{ command: string; at: number }>,
  command?: string,
): { fixed: number; sliding: number } {
  const times = calls
    .filter((call) => command === undefined || call.command === command)
    .map((call) => call.at)
    .sort((a, b) => a - b);
  const perSecond = new Map<number, number>();
  let sliding = 0;
  for (let end = 0, start = 0; end < times.length; end++) {
    const second = Math.floor(times[end] / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    while (times[end] - times[start] >= 1000) start++;
    sliding = Math.max(sliding, end - start + 1);
  }
  return { fixed: Math.max(0, ...perSecond.values()), sliding };
}
