import type { C2CHistoryMessage } from '../protocol/types';
import { c2cEvent } from './events';
import { integerOf, nonEmptyString, sendTimeOf } from './history-fields';
import { HistoryPagingError, type Pass } from './pass';
import type { ConversationToReconcile, ReconciledConversation } from './types';

export const C2C_HISTORY_COMMAND = 'openim/admin_getroammsg';

/** admin_getroammsg answers about 13 KB a call, whatever MaxCnt asks beyond that. */
const C2C_PAGE_SIZE = 100;
/** The MsgFlagBits bit of a recalled one-to-one message. */
const MSG_FLAG_RECALLED = 8;

interface C2CHistoryPage {
  Complete?: unknown;
  LastMsgTime?: unknown;
  LastMsgKey?: unknown;
  MsgList?: unknown;
}

/**
 * Pages back through `account`'s history with `peer` within the window, newest first, with
 * `LastMsgKey` and `LastMsgTime`, until Tencent says it is complete. A page that is not complete
 * but gives nothing to continue from, a `LastMsgKey` seen before, or more than
 * `maxPagesPerConversation` pages fail the conversation.
 */
export async function readConversation(pass: Pass, { account, peer }: ConversationToReconcile): Promise<void> {
  const conversation: ReconciledConversation = { kind: 'c2c', account, peer };
  const unreadable: string[] = [];
  // A page boundary may hand a message twice; it is delivered once.
  const seen = new Set<string>();
  const cursors = new Set<string>();
  let maxTime = pass.untilSeconds;
  let lastMsgKey: string | undefined;
  try {
    for (let pages = 0; ; pages++) {
      pass.checkBeforePage(pages);
      const page = await pass.call<C2CHistoryPage>(C2C_HISTORY_COMMAND, {
        Operator_Account: account,
        Peer_Account: peer,
        MaxCnt: C2C_PAGE_SIZE,
        MinTime: pass.fromSeconds,
        MaxTime: maxTime,
        ...(lastMsgKey !== undefined && { LastMsgKey: lastMsgKey }),
      });
      const entries = Array.isArray(page.MsgList) ? (page.MsgList as C2CHistoryMessage[]) : [];
      for (const entry of entries) {
        const msgKey = nonEmptyString(entry?.MsgKey);
        const flags = integerOf(entry?.MsgFlagBits);
        if (msgKey === undefined || flags === undefined) {
          unreadable.push(msgKey === undefined ? 'an entry without a MsgKey' : `MsgKey ${msgKey} has no MsgFlagBits`);
          continue;
        }
        if ((flags & MSG_FLAG_RECALLED) === 0 || seen.has(msgKey)) continue;
        seen.add(msgKey);
        const sent = sendTimeOf(entry.MsgTimeStamp);
        if (sent === undefined) unreadable.push(`recalled MsgKey ${msgKey} has no MsgTimeStamp`);
        else if (pass.inWindow(sent)) await pass.deliver(conversation, c2cEvent(pass.sdkAppId, entry, msgKey, sent));
      }
      if (integerOf(page.Complete) === 1) break;
      const next = nonEmptyString(page.LastMsgKey);
      if (entries.length === 0 || next === undefined) {
        throw new HistoryPagingError(
          'the answer is not Complete but gives no messages or no LastMsgKey to continue from',
        );
      }
      if (cursors.has(next))
        throw new HistoryPagingError(`LastMsgKey ${next} came back again: paging does not advance`);
      cursors.add(next);
      lastMsgKey = next;
      const lastTime = integerOf(page.LastMsgTime);
      if (lastTime !== undefined && lastTime > 0 && lastTime <= maxTime) maxTime = lastTime;
    }
  } catch (error) {
    pass.fail(conversation, error);
    return;
  }
  pass.finish(conversation, unreadable);
}
