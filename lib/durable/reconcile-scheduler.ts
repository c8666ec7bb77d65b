import createDebug from 'debug';
import Joi from 'joi';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  checkPassOptions,
  reconcileRecalls,
  type ConversationToReconcile,
  type GroupToReconcile,
  type HistoryClient,
  type ReconcileOptions,
  type ReconcileReport,
} from '../reconcile/reconcile';
import { messageOf } from '../delivery/deliver';
import { callHook, createFailureLog, normalizeLog } from '../delivery/log';

const debug = createDebug('tencent-chat-recall-webhook:reconcile-scheduler');

const SCHEDULER_ID = 'reconcile-recalls';
const JOB_NAME = 'reconcile';

/** What a pass reads: the conversations the app knows were active in the window. */
export interface ActiveConversations {
  groups?: Iterable<GroupToReconcile> | AsyncIterable<GroupToReconcile> | undefined;
  conversations?: Iterable<ConversationToReconcile> | AsyncIterable<ConversationToReconcile> | undefined;
}

/** The delivery and reading options of each pass: `reconcileRecalls`'s, less what the scheduler sets. */
export type ScheduledPassOptions = Omit<ReconcileOptions, 'client' | 'since' | 'until' | 'groups' | 'conversations'>;

export interface RecallReconcilerOptions extends ScheduledPassOptions {
  /** The BullMQ queue the passes are scheduled on (its own, not the recalls' queue). */
  queueName: string;
  /** Redis, as BullMQ's `connection`; the worker needs `maxRetriesPerRequest: null`. */
  connection: ConnectionOptions;
  client: HistoryClient;
  /** A pass every this many ms. */
  everyMs: number;
  /** Each pass covers this many ms back from its start; default twice `everyMs`, so a late pass leaves no gap. */
  windowMs?: number | undefined;
  /** The conversations active in the window (the app's archive knows them; small apps: `listActiveGroups`). */
  activeConversations: (window: { since: Date; until: Date }) => ActiveConversations | Promise<ActiveConversations>;
  /** Hears every pass's report. May be async; a throw or rejection is logged, and the pass still counts as done. */
  onReport?: ((report: ReconcileReport) => unknown) | undefined;
  /**
   * Hears a pass that failed as a whole (`activeConversations` threw, or returned what the options
   * cannot take: groups without `onRecall` or `queue`, an invalid group); the `log` option writes
   * it too. BullMQ keeps the failed job. May be async: a rejection is caught and logged.
   */
  onError?: ((error: Error) => unknown) | undefined;
}

export interface RecallReconciler {
  readonly queue: Queue;
  readonly worker: Worker;
  /** Stops this process's worker (the pass under way finishes); the schedule stays for the others. */
  close(): Promise<void>;
  /** Removes the schedule for every process, then closes. */
  removeSchedule(): Promise<void>;
}

const optionsSchema = Joi.object({
  queueName: Joi.string().min(1).required(),
  connection: Joi.any().required(),
  client: Joi.any().required(),
  everyMs: Joi.number().integer().min(1).required(),
  windowMs: Joi.number().integer().min(1),
  activeConversations: Joi.function().required(),
  onReport: Joi.function(),
  onError: Joi.function(),
})
  .unknown(true)
  .prefs({ abortEarly: true, errors: { label: 'path' } });

/**
 * Runs a reconciliation pass every `everyMs` over a sliding window, on BullMQ: a job scheduler
 * adds one job per interval, and a global concurrency of 1 lets one worker at a time process
 * them, however many processes call this. Each pass asks `activeConversations` what to read and
 * delivers what it finds with the given options (handlers, the recalls' queue, dedupe). Rejects
 * with a `TypeError` on invalid options, those of the passes included, before scheduling anything.
 */
export async function startRecallReconciler(options: RecallReconcilerOptions): Promise<RecallReconciler> {
  const { error } = optionsSchema.validate(options);
  if (error) throw new TypeError(`startRecallReconciler: invalid options: ${error.message}`);
  const { queueName, connection, everyMs, windowMs = 2 * everyMs, activeConversations, onReport, onError } = options;
  const passOptions: ScheduledPassOptions & { client: HistoryClient } = omit(options, [
    'queueName',
    'connection',
    'everyMs',
    'windowMs',
    'activeConversations',
    'onReport',
    'onError',
  ]);
  checkPassOptions(passOptions, 'startRecallReconciler');

  const failures = createFailureLog(normalizeLog(options.log));
  function hookFailed(hook: string, failure: unknown): void {
    debug('%s threw: %O', hook, failure);
    failures.report('error', `${hook} threw`, `${hook} threw: ${messageOf(failure)}`);
  }

  async function pass(job: Job): Promise<object> {
    const until = new Date();
    const since = new Date(until.getTime() - windowMs);
    debug('job %s: pass over %s .. %s', job.id, since.toISOString(), until.toISOString());
    const active = await activeConversations({ since, until });
    const report = await reconcileRecalls({ ...passOptions, since, until, ...active });
    // The pass delivered what it found: a report hook that fails is told, not a failed pass.
    if (onReport)
      callHook(
        () => onReport(report),
        (failure) => hookFailed('onReport', failure),
      );
    return { found: report.found, delivered: report.delivered, failed: report.failed.length, calls: report.calls };
  }

  const queue = new Queue(queueName, { connection });
  queue.on('error', (failure) => debug('queue error: %O', failure));
  await queue.setGlobalConcurrency(1);
  await queue.upsertJobScheduler(
    SCHEDULER_ID,
    { every: everyMs },
    { name: JOB_NAME, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  const worker = new Worker(queueName, pass, { connection, concurrency: 1 });
  worker.on('error', (failure) => {
    debug('worker error: %O', failure);
    failures.report('error', `reconciler error ${messageOf(failure)}`, `reconciler error: ${messageOf(failure)}`);
  });
  worker.on('failed', (_job, failure) => {
    debug('pass failed: %O', failure);
    failures.report('error', 'reconciliation pass failed', `a reconciliation pass failed: ${messageOf(failure)}`);
    if (onError)
      callHook(
        () => onError(failure),
        (hookFailure) => hookFailed('onError', hookFailure),
      );
  });

  async function close(): Promise<void> {
    await worker.close();
    await queue.close();
  }
  return {
    queue,
    worker,
    close,
    async removeSchedule() {
      await queue.removeJobScheduler(SCHEDULER_ID);
      await close();
    },
  };
}

function omit<T extends object, K extends string>(object: T, keys: readonly K[]): Omit<T, K> {
  return Object.fromEntries(Object.entries(object).filter(([name]) => !keys.includes(name as K))) as Omit<T, K>;
}
