import { createDelivery, type DeliveryOptions } from '../delivery/deliver';
import { deliverySettings } from '../delivery/options';
import { traceReconcilePass } from '../observability/channels';
import { COMMANDS } from '../protocol/commands';
import { readConversation } from './c2c-history';
import { forEachConcurrently } from './concurrency';
import { RECONCILED_COMMANDS, RECONCILED_KINDS } from './kinds';
import { readGroup } from './group-history';
import { FACTORY, optionsSchema, toConversation, toGroup, validOptions } from './options-schema';
import { observeDuplicateJobs, Pass, PassStoppedError } from './pass';
import type { ReconciledConversation, ReconcileOptions, ReconcileReport, ReconcileWindow } from './types';

export { C2C_HISTORY_COMMAND } from './c2c-history';
export { GROUP_HISTORY_COMMAND } from './group-history';
export {
  checkPassOptions,
  DEFAULT_MAX_PAGES_PER_CONVERSATION,
  DEFAULT_QUEUE_TIMEOUT_MS,
  DEFAULT_RECALL_TIME_LIMIT_SECONDS,
} from './options-schema';
export { HistoryPagingError, PassStoppedError, UnreadableHistoryError } from './pass';
export type * from './types';

/**
 * One reconciliation pass: reads the history of the given groups and one-to-one conversations
 * for messages sent from `since` minus the recall time limit to `until`, and delivers each one
 * marked recalled like the receiver would (handler, queue, dedupe). A conversation that fails,
 * or holds an entry the pass cannot read, is reported in `failed` and the pass goes on. Rejects
 * on invalid options or an invalid group or conversation item (a `TypeError`), and when an async
 * source of groups or conversations itself throws.
 */
export async function reconcileRecalls(options: ReconcileOptions): Promise<ReconcileReport> {
  const value = validOptions(optionsSchema, options, FACTORY);
  const duplicateJobs = new Set<string>();
  if (options.queue !== undefined) value.queue = observeDuplicateJobs(options.queue, duplicateJobs);
  const delivery = createDelivery<ReconcileWindow>(
    deliverySettings(value as DeliveryOptions<ReconcileWindow>, 'after-callback'),
  );
  for (const command of RECONCILED_COMMANDS) {
    const { readFrom } = RECONCILED_KINDS[command];
    if (options[readFrom] !== undefined && !delivery.accepts(command)) {
      throw new TypeError(
        `${FACTORY}: invalid options: "${readFrom}" needs "${COMMANDS[command].handlerOption}" or "queue" to take the recalls found`,
      );
    }
  }

  const until: Date = value.until ?? new Date();
  const since: Date = value.since;
  if (until.getTime() < since.getTime()) throw new TypeError(`${FACTORY}: invalid options: "until" is before "since"`);
  const window: ReconcileWindow = {
    since,
    until,
    readFrom: new Date(since.getTime() - value.recallTimeLimitSeconds * 1000),
  };
  // The caller's client itself, not Joi's copy of it: its state (the call spacing) is shared.
  const pass = new Pass(
    options.client,
    delivery,
    window,
    {
      queueTimeoutMs: value.queueTimeoutMs,
      maxPagesPerConversation: value.maxPagesPerConversation,
      signal: options.signal,
    },
    duplicateJobs,
  );
  const notRead = (conversation: ReconciledConversation): Promise<void> => {
    pass.fail(conversation, new PassStoppedError(false));
    return Promise.resolve();
  };
  let failure: { error: unknown } | undefined;
  // The channel's context gets counts, never the report: history entries and Tencent's texts stay out of spans.
  await traceReconcilePass({ sdkAppId: String(options.client.sdkAppId) }, async (trace) => {
    try {
      if (options.groups !== undefined) {
        await forEachConcurrently(options.groups, value.concurrency, (item) => {
          const group = toGroup(item);
          return pass.stopped ? notRead({ kind: 'group', ...group }) : readGroup(pass, group);
        });
      }
      if (options.conversations !== undefined) {
        await forEachConcurrently(options.conversations, value.concurrency, (item) => {
          const conversation = toConversation(item);
          return pass.stopped ? notRead({ kind: 'c2c', ...conversation }) : readConversation(pass, conversation);
        });
      }
    } catch (error) {
      failure = { error };
      throw summaryOf(error);
    }
    trace.recovered = pass.report.delivered;
  }).catch((error: unknown) => {
    throw failure === undefined ? error : failure.error;
  });
  return pass.report;
}

/** What a span may say of a pass that failed as a whole: the error's class and Tencent's code, not its text. */
function summaryOf(error: unknown): Error {
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  const summary = new Error(
    `reconciliation pass failed: ${name}${typeof code === 'number' ? ` (ErrorCode ${code})` : ''}`,
  );
  summary.name = name;
  return summary;
}
