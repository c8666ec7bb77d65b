import createDebug from 'debug';
import {
  reconcileRecalls,
  type ConversationToReconcile,
  type GroupToReconcile,
  type HistoryClient,
  type ReconciledConversation,
  type ReconcileOptions,
  type ReconcileReport,
  type Source,
} from '../reconcile/reconcile';
import type { FailureLog } from '../delivery/log';
import { describeConversation as describe } from '../reconcile/events';
import { conversationKey, type ReconcileStore, type RetryingConversation } from './reconcile-store';

const debug = createDebug('tencent-chat-recall-webhook:reconcile-scheduler');

/** What a pass reads: the conversations the app knows were active in the window. */
export interface ActiveConversations {
  groups?: Source<GroupToReconcile> | undefined;
  conversations?: Source<ConversationToReconcile> | undefined;
}

/** The delivery and reading options of each pass: `reconcileRecalls`'s, less what the scheduler sets. */
export type ScheduledPassOptions = Omit<
  ReconcileOptions,
  'client' | 'since' | 'until' | 'groups' | 'conversations' | 'signal'
>;

export interface ScheduledPassSettings {
  store: ReconcileStore;
  passOptions: ScheduledPassOptions & { client: HistoryClient };
  activeConversations: (window: { since: Date; until: Date }) => ActiveConversations | Promise<ActiveConversations>;
  everyMs: number;
  windowMs: number;
  maxCatchUpMs: number;
  passTimeoutMs: number;
  failures: FailureLog;
  /** Fires when the reconciler closes: the pass under way winds down as after its timeout. */
  stop: AbortSignal;
  /** The checkpoint this process last saw: where to start when the store has lost it. */
  memory: { checkpoint?: number | undefined };
}

/** Longest wait before a conversation that failed is read again (or the interval, when longer). */
const MAX_RETRY_BACKOFF_MS = 60 * 60 * 1000;
/** How long a stopped pass may take to list what it did not read, before it is given up as incomplete. */
const MIN_WIND_DOWN_MS = 5000;

/**
 * One scheduled pass: reads from the checkpoint (or the last `windowMs` without one, at most
 * `maxCatchUpMs` back) to now, and each conversation that failed before from where it was not
 * read; moves the checkpoint to now when every conversation listed was either read or put on
 * the retry list; records the pass. Rejects when the pass could not run as a whole (the
 * checkpoint then stays where it was).
 */
export async function runScheduledPass(settings: ScheduledPassSettings): Promise<ReconcileReport> {
  const { store, failures, memory } = settings;
  const startedAt = new Date();
  const until = startedAt;
  const since = new Date(await passStart(settings, until.getTime()));
  try {
    const earliest = until.getTime() - settings.maxCatchUpMs;
    const retrying = await store.retrying();
    const due = [...retrying.values()].filter((entry) => entry.retryAt <= until.getTime());
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), settings.passTimeoutMs);
    const stop = () => controller.abort();
    settings.stop.addEventListener('abort', stop, { once: true });
    if (settings.stop.aborted) stop();
    let outcome: { reports: ReconcileReport[] } | 'incomplete';
    try {
      outcome = await withinWindDown(
        // Asking what to read is within the pass's time too: a list that never comes cannot hold the schedule.
        Promise.resolve(settings.activeConversations({ since, until })).then((active) =>
          readAll(settings, { since, until, earliest }, active, retrying, due, controller.signal),
        ),
        controller.signal,
        Math.max(MIN_WIND_DOWN_MS, settings.passTimeoutMs / 10),
      );
    } finally {
      clearTimeout(timer);
      settings.stop.removeEventListener('abort', stop);
    }
    if (outcome === 'incomplete') {
      throw new Error(
        `the pass ran out of time (passTimeoutMs ${settings.passTimeoutMs}) and could not list what it had not read: ` +
          'the checkpoint stays where it was, and the next pass reads the same window again',
      );
    }
    const report = mergeReports(since, until, outcome.reports);
    await settleRetries(settings, report, retrying, due, until.getTime());
    if (controller.signal.aborted) {
      const notFinished = report.failed.filter(
        (failure) => failure.error instanceof Error && failure.error.name === 'PassStoppedError',
      );
      failures.report(
        'error',
        'reconciliation pass timed out',
        `a reconciliation pass ${settings.stop.aborted ? 'was stopped by close()' : `ran out of time (passTimeoutMs ${settings.passTimeoutMs})`}: ` +
          `${notFinished.length} conversations not finished, read again on the next passes: ` +
          notFinished
            .slice(0, 5)
            .map((failure) => describe(failure.conversation))
            .join(', ') +
          (notFinished.length > 5 ? ', ...' : ''),
      );
    }
    await store.advanceCheckpoint(until.getTime());
    memory.checkpoint = Math.max(memory.checkpoint ?? 0, until.getTime());
    await store.recordPass({
      startedAt,
      endedAt: new Date(),
      since,
      until,
      ok: report.failed.length === 0,
      delivered: report.delivered,
      duplicates: report.duplicates,
      failed: report.failed.length,
    });
    return report;
  } catch (error) {
    await store
      .recordPass({ startedAt, endedAt: new Date(), since, until, ok: false, delivered: 0, duplicates: 0, failed: 0 })
      .catch((failure: unknown) => debug('recording the failed pass failed: %O', failure));
    throw error;
  }
}

/** Where the pass starts reading: the checkpoint, else the one this process last saw, else `windowMs` back. */
async function passStart(settings: ScheduledPassSettings, now: number): Promise<number> {
  const { failures, memory } = settings;
  const stored = await settings.store.checkpoint();
  let start: number;
  if (stored !== undefined) start = stored;
  else if (memory.checkpoint !== undefined) {
    start = memory.checkpoint;
    failures.report(
      'error',
      'reconciliation checkpoint lost',
      `the reconciliation checkpoint is gone from Redis (its data was lost): reading from the one this process ` +
        `last saw, ${new Date(start).toISOString()}`,
    );
  } else {
    start = now - settings.windowMs;
    failures.report(
      'warn',
      'no reconciliation checkpoint',
      `no reconciliation checkpoint (the first pass, or Redis lost it): reading the last ${settings.windowMs} ms ` +
        `only, from ${new Date(start).toISOString()}; recalls before that need a one-off pass (reconcile --since)`,
    );
  }
  if (now - start > settings.maxCatchUpMs) {
    failures.report(
      'error',
      'reconciliation catch-up capped',
      `reconciliation is ${Math.round((now - start) / 1000)} s behind, more than maxCatchUpMs: reading from ` +
        `${new Date(now - settings.maxCatchUpMs).toISOString()}; recalls of messages sent before that are not looked for`,
    );
    start = now - settings.maxCatchUpMs;
  }
  return Math.min(start, now);
}

async function readAll(
  settings: ScheduledPassSettings,
  window: { since: Date; until: Date; earliest: number },
  active: ActiveConversations,
  retrying: ReadonlyMap<string, RetryingConversation>,
  due: readonly RetryingConversation[],
  signal: AbortSignal,
): Promise<{ reports: ReconcileReport[] }> {
  const base = { ...settings.passOptions, until: window.until, signal };
  // A conversation waiting for its retry is read then, from where it was not read.
  const waiting = (conversation: ReconciledConversation) => retrying.has(conversationKey(conversation));
  const reports = [
    await reconcileRecalls({
      ...base,
      since: window.since,
      groups: active.groups && without(active.groups, (item) => waiting(groupOf(item))),
      conversations: active.conversations && without(active.conversations, (item) => waiting({ kind: 'c2c', ...item })),
    }),
  ];
  // Those that failed since the same moment are read again together.
  const bySince = new Map<number, RetryingConversation[]>();
  for (const entry of due) {
    const since = Math.min(Math.max(entry.since, window.earliest), window.until.getTime());
    bySince.set(since, [...(bySince.get(since) ?? []), entry]);
  }
  for (const [since, entries] of bySince) {
    const groups: GroupToReconcile[] = [];
    const conversations: ConversationToReconcile[] = [];
    for (const { conversation } of entries) {
      if (conversation.kind === 'c2c') conversations.push({ account: conversation.account, peer: conversation.peer });
      else
        groups.push(
          conversation.topicId
            ? { groupId: conversation.groupId, topicId: conversation.topicId }
            : conversation.groupId,
        );
    }
    reports.push(
      await reconcileRecalls({
        ...base,
        since: new Date(since),
        // Only what there is: an empty list would still ask for a handler of its kind.
        ...(groups.length > 0 && { groups }),
        ...(conversations.length > 0 && { conversations }),
      }),
    );
  }
  return { reports };
}

/** Puts what failed on the retry list (with backoff), takes off what was read, and reports what cannot be read. */
async function settleRetries(
  settings: ScheduledPassSettings,
  report: ReconcileReport,
  retrying: ReadonlyMap<string, RetryingConversation>,
  due: readonly RetryingConversation[],
  now: number,
): Promise<void> {
  const retry = new Map<string, RetryingConversation>();
  const done = new Set(due.map((entry) => conversationKey(entry.conversation)));
  for (const failure of report.failed) {
    const key = conversationKey(failure.conversation);
    if (failure.permanent) {
      done.add(key);
      settings.failures.report(
        'error',
        'conversation cannot be read',
        `reconciliation cannot read ${describe(failure.conversation)} and will not retry it: ${failure.reason}`,
      );
      continue;
    }
    if (retry.has(key)) continue;
    const before = retrying.get(key);
    const attempts = (before?.attempts ?? 0) + 1;
    const backoff = Math.min(settings.everyMs * 2 ** (attempts - 1), Math.max(settings.everyMs, MAX_RETRY_BACKOFF_MS));
    retry.set(key, {
      conversation: failure.conversation,
      since: before?.since ?? report.since.getTime(),
      attempts,
      retryAt: now + backoff,
      reason: failure.reason.slice(0, 500),
    });
    done.delete(key);
  }
  if (retry.size > 0) {
    settings.failures.report(
      'warn',
      'reconciliation conversations to retry',
      `reconciliation could not read ${retry.size} conversations to the end, read again on later passes ` +
        `(first: ${describe([...retry.values()][0].conversation)}: ${[...retry.values()][0].reason})`,
    );
  }
  await settings.store.updateRetrying(retry, [...done]);
}

function mergeReports(since: Date, until: Date, reports: readonly ReconcileReport[]): ReconcileReport {
  const [main, ...retries] = reports;
  const merged: ReconcileReport = { ...main, since, scanned: { ...main.scanned }, found: { ...main.found } };
  for (const report of retries) {
    if (report.readFrom < merged.readFrom) merged.readFrom = report.readFrom;
    merged.scanned.groups += report.scanned.groups;
    merged.scanned.conversations += report.scanned.conversations;
    merged.calls += report.calls;
    merged.found.group += report.found.group;
    merged.found.c2c += report.found.c2c;
    merged.delivered += report.delivered;
    merged.duplicates += report.duplicates;
    merged.unreadable += report.unreadable;
    merged.recalls = [...merged.recalls, ...report.recalls];
    merged.failed = [...merged.failed, ...report.failed];
  }
  merged.until = until;
  return merged;
}

/** The work's outcome; once the signal has fired, 'incomplete' if it takes longer than `windDownMs` more. */
async function withinWindDown<T>(work: Promise<T>, signal: AbortSignal, windDownMs: number): Promise<T | 'incomplete'> {
  let timer: NodeJS.Timeout | undefined;
  const givenUp = new Promise<'incomplete'>((resolve) => {
    const start = () => (timer = setTimeout(resolve, windDownMs, 'incomplete'));
    if (signal.aborted) start();
    else signal.addEventListener('abort', start, { once: true });
  });
  try {
    return await Promise.race([work, givenUp]);
  } finally {
    clearTimeout(timer);
  }
}

async function* without<T>(source: Source<T>, skip: (item: T) => boolean): AsyncGenerator<T> {
  for await (const item of source) if (!skip(item)) yield item;
}

function groupOf(item: GroupToReconcile): ReconciledConversation {
  if (typeof item === 'string') return { kind: 'group', groupId: item };
  // An item the pass will reject as invalid is not one waiting to be retried.
  return item?.topicId === undefined
    ? { kind: 'group', groupId: String(item?.groupId) }
    : { kind: 'group', groupId: String(item.groupId), topicId: item.topicId };
}
