/**
 * History answers at the edges of what Tencent documents: entries without a sender or a MsgSeq,
 * numbers past the safe range, topics Tencent says little of, a client without an identifier,
 * a group given as an object without a topic, and a pass stopped in the middle of a group.
 */
import {
  GROUP_INFO_COMMAND,
  GROUP_LIST_COMMAND,
  listActiveGroups,
  TOPIC_LIST_COMMAND,
} from '../../lib/reconcile/active-groups';
import { integerOf, sendTimeOf } from '../../lib/reconcile/history-fields';
import {
  C2C_HISTORY_COMMAND,
  GROUP_HISTORY_COMMAND,
  HistoryPagingError,
  UnreadableHistoryError,
} from '../../lib/reconcile/reconcile';
import type { HistoryClient } from '../../lib/reconcile/types';
import { recallId, scriptedFakeApp, SDK_APP_ID } from './scenario';

jest.setTimeout(30_000);

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('history fields', () => {
  it('reads no integer from a number or a digit string past the safe range', () => {
    expect(integerOf(2 ** 53)).toBeUndefined();
    expect(integerOf(1.5)).toBeUndefined();
    expect(integerOf('9999999999999999')).toBeUndefined();
    expect(sendTimeOf('9999999999999999')).toBeUndefined();
    expect(integerOf(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(integerOf(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('a reconciliation pass at the edges of history answers', () => {
  const scripted = scriptedFakeApp();
  const { delivered, pass, answerNext } = scripted;

  it('delivers recalls whose entries name no sender or receiver, with empty accounts', async () => {
    answerNext(GROUP_HISTORY_COMMAND, {
      RspMsgList: [{ IsPlaceMsg: 2, MsgSeq: 1, MsgTimeStamp: nowSeconds() - 5 }],
    });
    answerNext(C2C_HISTORY_COMMAND, {
      Complete: 1,
      MsgList: [{ MsgKey: '7_7_7', MsgFlagBits: 8, MsgTimeStamp: nowSeconds() - 5 }],
    });
    const report = await pass({ groups: ['@TGS#anonymous'], conversations: [{ account: 'alice', peer: 'bob' }] });
    expect(report).toMatchObject({ delivered: 2, failed: [] });
    expect(delivered).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ groupId: '@TGS#anonymous', senderAccount: '', messages: [{ msgSeq: 1 }] }),
        expect.objectContaining({ msgKey: '7_7_7', fromAccount: '', toAccount: '' }),
      ]),
    );
  });

  it('counts each recent entry without a MsgSeq as unreadable, and ignores one sent before the window', async () => {
    answerNext(GROUP_HISTORY_COMMAND, {
      RspMsgList: [
        { From_Account: 'a', IsPlaceMsg: 2 },
        { From_Account: 'a', IsPlaceMsg: 2, MsgTimeStamp: nowSeconds() - 5 },
        { From_Account: 'a', IsPlaceMsg: 2, MsgTimeStamp: nowSeconds() - 24 * 3600 },
        { From_Account: 'a', IsPlaceMsg: 0, MsgSeq: 1, MsgTimeStamp: nowSeconds() - 5 },
      ],
    });
    const report = await pass({ groups: ['@TGS#holes'] });
    expect(report.calls).toBe(1);
    expect(report).toMatchObject({ unreadable: 2, scanned: { groups: 0 } });
    expect(report.failed).toEqual([
      expect.objectContaining({
        error: expect.any(UnreadableHistoryError),
        reason: '2 history entries could not be read: an entry without a MsgSeq (no send time)',
      }),
    ]);
    expect((report.failed[0].error as UnreadableHistoryError).entries[1]).toMatch(
      /^an entry without a MsgSeq \(sent \d{4}-\d\d-\d\dT/,
    );
  });

  it('fails a group whose newest page holds no entry with a MsgSeq', async () => {
    answerNext(GROUP_HISTORY_COMMAND, {
      RspMsgList: [{ From_Account: 'a', IsPlaceMsg: 0, MsgTimeStamp: nowSeconds() - 24 * 3600 }],
    });
    const report = await pass({ groups: ['@TGS#noseq'] });
    expect(report.failed).toEqual([
      expect.objectContaining({
        error: expect.any(HistoryPagingError),
        reason: 'the newest page holds no entry with a MsgSeq to page back from',
      }),
    ]);
  });

  it('reports a group given as { groupId } without a topic as that group alone', async () => {
    const report = await pass({ groups: [{ groupId: '@TGS#nowhere' }] });
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0].conversation).toStrictEqual({ kind: 'group', groupId: '@TGS#nowhere' });
  });

  it('fails, as stopped mid-read, a group whose pass is stopped between two pages', async () => {
    const group = scripted.app.fake.createGroup();
    const seqs: number[] = [];
    for (let i = 0; i < 30; i++)
      seqs.push(scripted.app.fake.sendGroupMessage({ groupId: group, from: 'alice' }).msgSeq);
    await scripted.app.fake.recallGroupMessage({ groupId: group, msgSeq: seqs[29] });
    const controller = new AbortController();
    const report = await pass({
      groups: [group],
      signal: controller.signal,
      onRecall: (event) => {
        delivered.push(event);
        controller.abort();
      },
    });
    expect(delivered.map(recallId)).toEqual([`group ${group}/ ${seqs[29]}`]);
    expect(report.calls).toBe(1);
    expect(report.failed).toEqual([
      expect.objectContaining({ reason: 'the pass was stopped before this conversation was read to the end' }),
    ]);
  });
});

describe('listActiveGroups and topics', () => {
  /** Tencent's answers, by command, and what was asked. */
  function tencent(answers: Record<string, object>): HistoryClient & { asked: Array<[string, object]> } {
    const asked: Array<[string, object]> = [];
    return {
      sdkAppId: SDK_APP_ID,
      asked,
      async call<T extends object>(command: string, body: object): Promise<T> {
        asked.push([command, body]);
        return answers[command] as T;
      },
    };
  }
  const community = {
    GroupId: '@TGS#_c',
    ErrorCode: 0,
    Type: 'Community',
    LastMsgTime: nowSeconds(),
    SupportTopic: 1,
  };

  async function listed(client: HistoryClient): Promise<unknown[]> {
    const groups: unknown[] = [];
    for await (const group of listActiveGroups(client, { since: Date.now() - 60_000 })) groups.push(group);
    return groups;
  }

  it('asks for topics as the administrator when the client names no identifier', async () => {
    const client = tencent({
      [GROUP_LIST_COMMAND]: { GroupIdList: [{ GroupId: '@TGS#_c' }] },
      [GROUP_INFO_COMMAND]: { GroupInfo: [community] },
      [TOPIC_LIST_COMMAND]: {},
    });
    expect(await listed(client)).toEqual(['@TGS#_c']);
    expect(client.asked).toContainEqual([TOPIC_LIST_COMMAND, { GroupId: '@TGS#_c', From_Account: 'administrator' }]);
  });

  it('lists a topic Tencent gives no last message time for, and skips topics without an id or with an error', async () => {
    const client = tencent({
      [GROUP_LIST_COMMAND]: { GroupIdList: [{ GroupId: '@TGS#_c' }] },
      [GROUP_INFO_COMMAND]: { GroupInfo: [community] },
      [TOPIC_LIST_COMMAND]: {
        TopicAndSelfInfo: [
          {},
          { TopicInfo: { TopicId: '' } },
          { TopicInfo: { TopicId: 42 } },
          { TopicInfo: { TopicId: '@TGS#_c@TOPIC#_failed', LastMsgTime: nowSeconds() }, ErrorCode: 10010 },
          { TopicInfo: { TopicId: '@TGS#_c@TOPIC#_quiet', LastMsgTime: nowSeconds() - 3600 }, ErrorCode: 0 },
          { TopicInfo: { TopicId: '@TGS#_c@TOPIC#_unknown' } },
        ],
      },
    });
    expect(await listed(client)).toEqual(['@TGS#_c', { groupId: '@TGS#_c', topicId: '@TGS#_c@TOPIC#_unknown' }]);
  });
});
