import createDebug from 'debug';
import Joi from 'joi';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { checkPassOptions, type HistoryClient, type ReconcileReport } from '../reconcile/reconcile';
import { RECONCILE_HANDLER_OPTIONS } from '../reconcile/kinds';
import { messageOf } from '../delivery/deliver';
import { callHook, createFailureLog, normalizeLog } from '../delivery/log';
import { MAX_TIMER_MS } from '../delivery/options';
import { publishCheckpoint } from '../observability/reconcile-checkpoint';
import {
  runScheduledPass,
  type ActiveConversations,
  type ScheduledPassOptions,
  type ScheduledPassSettings,
} from './reconcile-scheduled-pass';
import { ReconcileStore, type ReconcilerStatus } from './reconcile-store';

export type { ActiveConversations, ScheduledPassOptions } from './reconcile-scheduled-pass';
export type { ReconcilePassStatus, ReconcilerStatus } from './reconcile-store';

const debug = createDebug('tencent-chat-recall-webhook:reconcile-scheduler');

const SCHEDULER_ID = 'reconcile-recalls';
const JOB_NAME = 'reconcile';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Tencent's default roaming storage: history older than this is gone anyway. */
export const DEFAULT_MAX_CATCH_UP_MS = 7 * DAY_MS;
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const MIN_PASS_TIMEOUT_MS = 60_000;

export interface RecallReconcilerOptions extends ScheduledPassOptions {
  /** The BullMQ queue the passes are scheduled on (its own, not the recalls' queue). */
  queueName: string;
  /** Redis, as BullMQ's `connection`; the worker needs `maxRetriesPerRequest: null`. */
  connection: ConnectionOptions;
  client: HistoryClient;
  /** A pass every this many ms. */
  everyMs: number;
  /**
   * What a pass reads when there is no checkpoint (the first pass, or Redis lost it and no
   * process remembers it): this many ms back from its start. Default twice `everyMs`.
   */
  windowMs?: number | undefined;
  /**
   * Furthest back a pass reads after an outage, from the checkpoint; default 7 days (Tencent's
   * default roaming storage: older history is gone). Beyond it, the log says what was not read.
   */
  maxCatchUpMs?: number | undefined;
  /**
   * A pass is given up after this many ms: the conversations it did not finish are read again on
   * the next passes. Default 90 % of `everyMs`, at least a minute.
   */
  passTimeoutMs?: number | undefined;
  /** Longest `close()` waits for the pass under way and Redis before dropping the connections; default 10000. */
  closeTimeoutMs?: number | undefined;
  /** The conversations active in the window (the app's archive knows them; small apps: `listActiveGroups`). */
  activeConversations: (window: { since: Date; until: Date }) => ActiveConversations | Promise<ActiveConversations>;
  /** Hears every pass's report. May be async; a throw or rejection is logged, and the pass still counts as done. */
  onReport?: ((report: ReconcileReport) => unknown) | undefined;
  /**
   * Hears a pass that failed as a whole (`activeConversations` threw, or returned what the options
   * cannot take: groups without `onRecall` or `queue`, an invalid group), and a schedule that was
   * gone from Redis and re-created; the `log` option writes both too. BullMQ keeps the failed job.
   * May be async: a rejection is caught and logged.
   */
  onError?: ((error: Error) => unknown) | undefined;
}

export interface RecallReconciler {
  readonly queue: Queue;
  readonly worker: Worker;
  /** What the store says of the schedule (checkpoint, last pass), the same from every process. */
  status(): Promise<ReconcilerStatus>;
  /** How often passes run, in ms. */
  readonly everyMs: number;
  /**
   * Stops this process's worker (the pass under way finishes); the schedule stays for the others.
   * Resolves within `closeTimeoutMs`: past it, the pass is stopped and the connections dropped.
   */
  close(): Promise<void>;
  /** Removes the schedule for every process (none re-creates it), then closes. */
  removeSchedule(): Promise<void>;
}

const intervalMs = Joi.number().integer().min(1).max(MAX_TIMER_MS);
const optionsSchema = Joi.object({
  queueName: Joi.string().min(1).required(),
  connection: Joi.any().required(),
  client: Joi.any().required(),
  everyMs: intervalMs.required(),
  windowMs: intervalMs,
  maxCatchUpMs: Joi.number()
    .integer()
    .min(1)
    .max(30 * DAY_MS),
  passTimeoutMs: intervalMs,
  closeTimeoutMs: intervalMs,
  activeConversations: Joi.function().required(),
  onReport: Joi.function(),
  onError: Joi.function(),
})
  .unknown(true)
  .prefs({ abortEarly: true, errors: { label: 'path' } });

const OWN_KEYS = [
  'queueName',
  'connection',
  'everyMs',
  'windowMs',
  'maxCatchUpMs',
  'passTimeoutMs',
  'closeTimeoutMs',
  'activeConversations',
  'onReport',
  'onError',
] as const;

/**
 * Runs a reconciliation pass every `everyMs` on BullMQ: a job scheduler adds one job per
 * interval, and a global concurrency of 1 lets one worker at a time process them, however many
 * processes call this. Each pass reads from the checkpoint the last one left in Redis to now
 * (catching up after any outage, up to `maxCatchUpMs`), asks `activeConversations` what to read
 * and delivers what it finds with the given options (handlers, the recalls' queue, dedupe).
 * Every process checks once an interval that the schedule is still in Redis, and re-creates it
 * when Redis lost it. Rejects with a `TypeError` on invalid options, those of the passes
 * included, before scheduling anything.
 */
export async function startRecallReconciler(options: RecallReconcilerOptions): Promise<RecallReconciler> {
  const { error } = optionsSchema.validate(options);
  if (error) throw new TypeError(`startRecallReconciler: invalid options: ${error.message}`);
  const { queueName, connection, everyMs, activeConversations, onReport, onError } = options;
  const passOptions: ScheduledPassOptions & { client: HistoryClient } = omit(options, OWN_KEYS);
  checkPassOptions(passOptions, 'startRecallReconciler');
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;

  const log = normalizeLog(options.log);
  const failures = createFailureLog(log);
  function hookFailed(hook: string, failure: unknown): void {
    debug('%s threw: %O', hook, failure);
    failures.report('error', `${hook} threw`, `${hook} threw: ${messageOf(failure)}`);
  }
  function tellOnError(failure: Error): void {
    if (onError)
      callHook(
        () => onError(failure),
        (hookFailure) => hookFailed('onError', hookFailure),
      );
  }
  if (RECONCILE_HANDLER_OPTIONS.some((option) => options[option]) && !options.queue && !options.dedupe) {
    log.warn(
      `tencent-chat-recall-webhook: startRecallReconciler hands recalls to ${RECONCILE_HANDLER_OPTIONS.join('/')} with neither a ` +
        '`queue` nor a `dedupe` store: a recall the webhook delivered, or an earlier pass found, is delivered again',
    );
  }

  const queue = new Queue(queueName, { connection });
  queue.on('error', (failure) => debug('queue error: %O', failure));
  const store = new ReconcileStore(queue);
  const stopping = new AbortController();
  const settings: ScheduledPassSettings = {
    store,
    passOptions,
    activeConversations,
    everyMs,
    windowMs: options.windowMs ?? 2 * everyMs,
    maxCatchUpMs: options.maxCatchUpMs ?? DEFAULT_MAX_CATCH_UP_MS,
    passTimeoutMs:
      options.passTimeoutMs ?? Math.min(MAX_TIMER_MS, Math.max(MIN_PASS_TIMEOUT_MS, Math.floor(everyMs * 0.9))),
    failures,
    stop: stopping.signal,
    memory: {},
  };

  async function pass(job: Job): Promise<object> {
    debug('job %s: pass', job.id);
    const report = await runScheduledPass(settings);
    publishCheckpoint({ queueName, checkpoint: report.until });
    // The pass delivered what it found: a report hook that fails is told, not a failed pass.
    if (onReport)
      callHook(
        () => onReport(report),
        (failure) => hookFailed('onReport', failure),
      );
    return {
      since: report.since,
      until: report.until,
      found: report.found,
      delivered: report.delivered,
      duplicates: report.duplicates,
      failed: report.failed.length,
      calls: report.calls,
    };
  }

  async function schedule(): Promise<void> {
    await queue.setGlobalConcurrency(1);
    await queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: everyMs },
      { name: JOB_NAME, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }

  await store.markRemoved(false);
  await schedule();
  settings.memory.checkpoint = await store.checkpoint();
  const worker = new Worker(queueName, pass, { connection, concurrency: 1 });
  worker.on('error', (failure) => {
    debug('worker error: %O', failure);
    failures.report('error', `reconciler error ${messageOf(failure)}`, `reconciler error: ${messageOf(failure)}`);
  });
  worker.on('failed', (_job, failure) => {
    debug('pass failed: %O', failure);
    failures.report('error', 'reconciliation pass failed', `a reconciliation pass failed: ${messageOf(failure)}`);
    tellOnError(failure);
  });

  // Redis may lose the schedule (a restart without persistence, FLUSHALL, eviction): every
  // process looks once an interval, and re-creates it. Upserting one scheduler id is idempotent,
  // so processes that notice at once still make one schedule.
  let checking: Promise<void> | undefined;
  async function checkSchedule(): Promise<void> {
    try {
      const [scheduler, concurrency] = await Promise.all([
        queue.getJobScheduler(SCHEDULER_ID),
        queue.getGlobalConcurrency(),
      ]);
      if ((!scheduler || concurrency === null) && !(await store.removed())) {
        await schedule();
        const lost = new Error(
          `the reconciliation schedule of queue '${queueName}' was gone from Redis (its data was lost: a restart ` +
            'without persistence, FLUSHALL or eviction); re-created it. Its checkpoint went with it: passes go on ' +
            'from the one this process last saw',
        );
        failures.report('error', 'reconciliation schedule re-created', lost.message);
        tellOnError(lost);
      }
      const { checkpoint } = await store.status();
      if (checkpoint) settings.memory.checkpoint = Math.max(settings.memory.checkpoint ?? 0, checkpoint.getTime());
      publishCheckpoint({ queueName, checkpoint });
    } catch (failure) {
      debug('schedule check failed: %O', failure);
      failures.report(
        'warn',
        'reconciliation schedule not checked',
        `could not check the reconciliation schedule in Redis: ${messageOf(failure)}`,
      );
    }
  }
  const healthTimer = setInterval(() => {
    checking ??= checkSchedule().finally(() => (checking = undefined));
  }, everyMs);
  healthTimer.unref();

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= closeWithin();
    return closing;
  }
  async function closeWithin(): Promise<void> {
    clearInterval(healthTimer);
    stopping.abort();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(resolve, closeTimeoutMs, 'timed out');
    });
    const closed = (async () => {
      await worker.close();
      await queue.close();
      return 'closed' as const;
    })().catch((failure: unknown) => {
      debug('close failed: %O', failure);
      return 'failed' as const;
    });
    const outcome = await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    if (outcome === 'closed') return;
    failures.report(
      'warn',
      'reconciler close timed out',
      `the reconciler of queue '${queueName}' did not close within ${closeTimeoutMs} ms (Redis does not answer, ` +
        'or the pass under way did not finish): dropped its connections',
    );
    // Not awaited: a frozen Redis never acknowledges; ioredis destroys the sockets after its disconnectTimeout.
    void Promise.allSettled([worker.disconnect(), queue.disconnect()]);
  }

  return {
    queue,
    worker,
    everyMs,
    status: () => store.status(),
    close,
    async removeSchedule() {
      await store.markRemoved(true);
      await queue.removeJobScheduler(SCHEDULER_ID);
      await close();
    },
  };
}

function omit<T extends object, K extends string>(object: T, keys: readonly K[]): Omit<T, K> {
  return Object.fromEntries(Object.entries(object).filter(([name]) => !keys.includes(name as K))) as Omit<T, K>;
}
