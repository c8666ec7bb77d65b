import type { GroupHistoryMessage } from '../protocol/types';
import { groupEvent } from './events';
import { integerOf, sendTimeOf } from './history-fields';
import { HistoryPagingError, type Pass } from './pass';
import type { ReconciledConversation } from './types';

export const GROUP_HISTORY_COMMAND = 'group_open_http_svc/group_msg_get_simple';

/** group_msg_get_simple answers at most 20 messages a call. */
const GROUP_PAGE_SIZE = 20;
const IS_PLACE_MSG_RECALLED = 2;

interface GroupHistoryPage {
  RspMsgList?: unknown;
}

/**
 * Pages back from the newest message (20 a call, `ReqMsgSeq` = the page's lowest MsgSeq − 1)
 * until a page holds only messages sent before `readFrom` (one old message, imported or from a
 * skewed clock, does not end it), or the group's first message. An answer that does not move
 * below the asked `ReqMsgSeq`, or more than `maxPagesPerConversation` pages, fails the group.
 */
export async function readGroup(pass: Pass, group: { groupId: string; topicId?: string }): Promise<void> {
  const conversation: ReconciledConversation = { kind: 'group', ...group };
  const unreadable: string[] = [];
  let reqMsgSeq: number | undefined;
  try {
    for (let pages = 0; ; pages++) {
      pass.checkBeforePage(pages);
      const page = await pass.call<GroupHistoryPage>(GROUP_HISTORY_COMMAND, {
        GroupId: group.groupId,
        ReqMsgNumber: GROUP_PAGE_SIZE,
        WithRecalledMsg: 1,
        ...(group.topicId !== undefined && { TopicId: group.topicId }),
        ...(reqMsgSeq !== undefined && { ReqMsgSeq: reqMsgSeq }),
      });
      const entries = Array.isArray(page.RspMsgList) ? (page.RspMsgList as GroupHistoryMessage[]) : [];
      if (entries.length === 0) break;
      let lowestSeq = Infinity;
      let newestSent = -Infinity;
      for (const entry of entries) {
        const seq = integerOf(entry?.MsgSeq);
        if (seq === undefined || seq < 1) {
          // One sent before the window is not the pass's to read; any other may be a recall.
          const sent = sendTimeOf(entry?.MsgTimeStamp);
          if (sent === undefined || sent >= pass.fromSeconds) {
            unreadable.push(
              `an entry without a MsgSeq (${sent === undefined ? 'no send time' : `sent ${new Date(sent * 1000).toISOString()}`})`,
            );
          }
          continue;
        }
        // Only what was asked for: an answer that ignored ReqMsgSeq would repeat a page forever.
        if (reqMsgSeq !== undefined && seq > reqMsgSeq) continue;
        lowestSeq = Math.min(lowestSeq, seq);
        const sent = sendTimeOf(entry.MsgTimeStamp);
        if (sent !== undefined) newestSent = Math.max(newestSent, sent);
        if (integerOf(entry.IsPlaceMsg) !== IS_PLACE_MSG_RECALLED) continue;
        if (sent === undefined) unreadable.push(`recalled MsgSeq ${seq} has no MsgTimeStamp`);
        else if (pass.inWindow(sent))
          await pass.deliver(conversation, groupEvent(pass.sdkAppId, group, entry, seq, sent));
      }
      if (lowestSeq === Infinity) {
        throw new HistoryPagingError(
          reqMsgSeq === undefined
            ? 'the newest page holds no entry with a MsgSeq to page back from'
            : `the answer to ReqMsgSeq ${reqMsgSeq} holds no message at or below it: paging does not advance`,
        );
      }
      // Placeholders without a send time say nothing of where the page is.
      const olderThanWindow = newestSent !== -Infinity && newestSent < pass.fromSeconds;
      if (lowestSeq <= 1 || olderThanWindow) break;
      reqMsgSeq = lowestSeq - 1;
    }
  } catch (error) {
    pass.fail(conversation, error);
    return;
  }
  pass.finish(conversation, unreadable);
}
