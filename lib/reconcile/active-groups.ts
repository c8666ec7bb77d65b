import createDebug from 'debug';
import Joi from 'joi';
import { integerOf } from './history-fields';
import { DEFAULT_RECALL_TIME_LIMIT_SECONDS } from './options-schema';
import type { HistoryClient } from './types';

const debug = createDebug('tencent-chat-recall-webhook:reconcile');

export const GROUP_LIST_COMMAND = 'group_open_http_svc/get_appid_group_list';
export const GROUP_INFO_COMMAND = 'group_open_http_svc/get_group_info';
export const TOPIC_LIST_COMMAND = 'million_group_open_http_svc/get_topic';

/** get_group_info takes at most 50 group IDs a call. */
const GROUP_INFO_BATCH = 50;
/** get_appid_group_list pages of up to 10,000 IDs (its documented limit is 1 call a second). */
const GROUP_LIST_PAGE = 10_000;
const DEFAULT_ADMIN = 'administrator';

export interface ListActiveGroupsOptions {
  /** Start of the window: groups whose last message was sent before it (minus the recall time limit) are skipped. */
  since: Date | number;
  /** As `reconcileRecalls`'s; default 120 s. */
  recallTimeLimitSeconds?: number | undefined;
}

/** A group, or a topic of a topic-enabled community, as `reconcileRecalls({ groups })` takes it. */
export type ActiveGroup = string | { groupId: string; topicId: string };

interface GroupListPage {
  GroupIdList?: Array<{ GroupId: string }>;
  Next?: unknown;
}

interface GroupInfo {
  GroupId: string;
  ErrorCode?: number;
  Type?: string;
  LastMsgTime?: unknown;
  SupportTopic?: unknown;
}

interface TopicAnswer {
  TopicAndSelfInfo?: Array<{ TopicInfo?: { TopicId?: unknown; LastMsgTime?: unknown }; ErrorCode?: number }>;
}

const optionsSchema = Joi.object({
  since: Joi.date().required(),
  recallTimeLimitSeconds: Joi.number().integer().min(0).default(DEFAULT_RECALL_TIME_LIMIT_SECONDS),
})
  .required()
  .prefs({ abortEarly: true, errors: { label: 'path' } });

/**
 * The app's groups that may hold a recall in a window from `since`: every group
 * (`get_appid_group_list`) but AVChatRoom groups (no history) and those whose last message
 * (`get_group_info`'s `LastMsgTime`) was sent before the window; and each topic of a
 * topic-enabled community (`get_topic`) as `{ groupId, topicId }`, but those whose last message
 * Tencent says was sent before the window. For small apps: a large one knows its active
 * conversations better from its own archive. An async generator: pass it straight to
 * `reconcileRecalls({ groups })`. Throws when a list does not advance (a `Next` answered twice).
 */
export async function* listActiveGroups(
  client: HistoryClient,
  options: ListActiveGroupsOptions,
): AsyncGenerator<ActiveGroup> {
  const { error, value } = optionsSchema.validate(options);
  if (error) throw new TypeError(`listActiveGroups: invalid options: ${error.message}`);
  const fromSeconds = Math.floor((value.since as Date).getTime() / 1000) - (value.recallTimeLimitSeconds as number);
  const nexts = new Set<number>();
  let next: number | undefined;
  do {
    const page = await client.call<GroupListPage>(GROUP_LIST_COMMAND, {
      Limit: GROUP_LIST_PAGE,
      ...(next !== undefined && { Next: next }),
    });
    const ids = (page.GroupIdList ?? []).map((entry) => entry.GroupId);
    for (let start = 0; start < ids.length; start += GROUP_INFO_BATCH) {
      const answer = await client.call<{ GroupInfo?: GroupInfo[] }>(GROUP_INFO_COMMAND, {
        GroupIdList: ids.slice(start, start + GROUP_INFO_BATCH),
        ResponseFilter: { GroupBaseInfoFilter: ['Type', 'LastMsgTime', 'SupportTopic'] },
      });
      for (const group of answer.GroupInfo ?? []) yield* activeOf(client, group, fromSeconds);
    }
    next = integerOf(page.Next) || undefined;
    if (next !== undefined) {
      if (nexts.has(next))
        throw new Error(`get_appid_group_list answered Next ${next} twice: the group list does not advance`);
      nexts.add(next);
    }
  } while (next !== undefined);
}

async function* activeOf(client: HistoryClient, group: GroupInfo, fromSeconds: number): AsyncGenerator<ActiveGroup> {
  if (group.ErrorCode !== 0) {
    debug('group %s skipped: gone', group.GroupId);
    return;
  }
  if (group.Type !== 'AVChatRoom' && (integerOf(group.LastMsgTime) ?? 0) >= fromSeconds) yield group.GroupId;
  else debug('group %s skipped: %s, quiet', group.GroupId, group.Type);
  if (group.Type === 'Community' && integerOf(group.SupportTopic) !== 0)
    yield* activeTopics(client, group.GroupId, fromSeconds);
}

/** The topics of a community whose last message may be in the window; one Tencent says nothing of is read. */
async function* activeTopics(client: HistoryClient, groupId: string, fromSeconds: number): AsyncGenerator<ActiveGroup> {
  const answer = await client.call<TopicAnswer>(TOPIC_LIST_COMMAND, {
    GroupId: groupId,
    From_Account: client.identifier ?? DEFAULT_ADMIN,
  });
  for (const entry of answer.TopicAndSelfInfo ?? []) {
    const topicId = entry.TopicInfo?.TopicId;
    if (typeof topicId !== 'string' || topicId === '' || (entry.ErrorCode ?? 0) !== 0) continue;
    const lastMessage = integerOf(entry.TopicInfo?.LastMsgTime);
    if (lastMessage !== undefined && lastMessage < fromSeconds) debug('topic %s skipped: quiet', topicId);
    else yield { groupId, topicId };
  }
}
