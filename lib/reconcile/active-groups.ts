import createDebug from 'debug';
import Joi from 'joi';
import { DEFAULT_RECALL_TIME_LIMIT_SECONDS, type HistoryClient } from './reconcile';

const debug = createDebug('tencent-chat-recall-webhook:reconcile');

export const GROUP_LIST_COMMAND = 'group_open_http_svc/get_appid_group_list';
export const GROUP_INFO_COMMAND = 'group_open_http_svc/get_group_info';

/** get_group_info takes at most 50 group IDs a call. */
const GROUP_INFO_BATCH = 50;
/** get_appid_group_list pages of up to 10,000 IDs (its documented limit is 1 call a second). */
const GROUP_LIST_PAGE = 10_000;

export interface ListActiveGroupsOptions {
  /** Start of the window: groups whose last message was sent before it (minus the recall time limit) are skipped. */
  since: Date | number;
  /** As `reconcileRecalls`'s; default 120 s. */
  recallTimeLimitSeconds?: number | undefined;
}

interface GroupListPage {
  GroupIdList?: Array<{ GroupId: string }>;
  Next?: number;
}

interface GroupInfoAnswer {
  GroupInfo?: Array<{ GroupId: string; ErrorCode?: number; Type?: string; LastMsgTime?: number }>;
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
 * (`get_group_info`'s `LastMsgTime`) was sent before the window. For small apps: a large one
 * knows its active conversations better from its own archive. Topics of communities are not
 * listed. An async generator: pass it straight to `reconcileRecalls({ groups })`.
 */
export async function* listActiveGroups(
  client: HistoryClient,
  options: ListActiveGroupsOptions,
): AsyncGenerator<string> {
  const { error, value } = optionsSchema.validate(options);
  if (error) throw new TypeError(`listActiveGroups: invalid options: ${error.message}`);
  const fromSeconds = Math.floor((value.since as Date).getTime() / 1000) - (value.recallTimeLimitSeconds as number);
  let next: number | undefined;
  do {
    const page = await client.call<GroupListPage>(GROUP_LIST_COMMAND, {
      Limit: GROUP_LIST_PAGE,
      ...(next !== undefined && { Next: next }),
    });
    const ids = (page.GroupIdList ?? []).map((entry) => entry.GroupId);
    for (let start = 0; start < ids.length; start += GROUP_INFO_BATCH) {
      const answer = await client.call<GroupInfoAnswer>(GROUP_INFO_COMMAND, {
        GroupIdList: ids.slice(start, start + GROUP_INFO_BATCH),
        ResponseFilter: { GroupBaseInfoFilter: ['Type', 'LastMsgTime'] },
      });
      for (const group of answer.GroupInfo ?? []) {
        const active = group.ErrorCode === 0 && group.Type !== 'AVChatRoom' && (group.LastMsgTime ?? 0) >= fromSeconds;
        if (active) yield group.GroupId;
        else debug('group %s skipped: %s', group.GroupId, group.ErrorCode === 0 ? `${group.Type}, quiet` : 'gone');
      }
    }
    next = page.Next || undefined;
  } while (next !== undefined);
}
