import createDebug from 'debug';
import Joi from 'joi';
import {
  UnrecoverableError,
  Worker,
  type BackendFactory,
  type ConnectionOptions,
  type IQueueBackend,
  type Job,
  type JobProgress,
  type RedisQueueBackend,
  type WorkerOptions,
} from 'bullmq';
import { COMMANDS, HANDLER_OPTIONS, RECALL_COMMANDS, type HandlerOption } from '../protocol/commands';
import type {
  AnyC2CRecallEvent,
  AnyGroupRecallEvent,
  AnyOfficialAccountRecallEvent,
  AnyRecallEvent,
  AnyRecallEventOf,
  RecallCommand,
} from '../protocol/types';
import type { RecallLog } from '../delivery/types';
import { messageOf } from '../delivery/deliver';
import { callHook, createFailureLog, normalizeLog } from '../delivery/log';
import {
  isTraced,
  jobChannel,
  TRACE_CONTEXT_FIELD,
  type JobTraceContext,
  type TraceCarrier,
} from '../observability/channels';

export { describeFailedJobs, retryFailedJobs, type FailedRecallJob } from './dead-letters';

const debug = createDebug('tencent-chat-recall-webhook:bullmq');

/**
 * A job the middleware's `queue` option (or a reconciliation pass) added: its name is the callback
 * command, its data the event (with `traceContext` when a tracing subscriber asked for it; handlers
 * get the event without it).
 */
export type RecallJob = Job<AnyRecallEvent, unknown, string>;

/**
 * Processes one group recall; a rejection (or throw) fails the attempt, and BullMQ retries it. The
 * queue holds the webhook's recalls and those reconciliation found (`event.source` tells them
 * apart): reconciled events have no operator and no event time.
 */
export type GroupRecallJobHandler = (event: AnyGroupRecallEvent, job: RecallJob) => unknown;

/** Processes one one-to-one recall, from the webhook or from reconciliation (`event.source`); as above. */
export type C2CRecallJobHandler = (event: AnyC2CRecallEvent, job: RecallJob) => unknown;

/** Processes one Official Account recall; as above. */
export type OfficialAccountRecallJobHandler = (event: AnyOfficialAccountRecallEvent, job: RecallJob) => unknown;

/** The worker's handler of one command's jobs. */
export type RecallJobHandlerOf<Command extends RecallCommand> = (
  event: AnyRecallEventOf<Command>,
  job: RecallJob,
) => unknown;

/**
 * The handlers given as options, one per command but the group recall's (`onRecall`, the second
 * argument), each named by the command table's `handlerOption`. Without one, such a job fails (and
 * is retried).
 */
export type RecallJobHandlers = {
  [Command in RecallCommand as Exclude<HandlerOption<Command>, 'onRecall'>]?: RecallJobHandlerOf<Command> | undefined;
};

/**
 * Where a job failure reported to `onError` stands: `'attempt'` when BullMQ will try the job
 * again, `'dead-letter'` when it used up its attempts and stays in the failed set (see the CLI's
 * `failed` and `retry` commands).
 */
export type RecallJobErrorStage = 'attempt' | 'dead-letter';

export interface RecallJobErrorContext {
  stage: RecallJobErrorStage;
  job: RecallJob;
  event: AnyRecallEvent;
}

/** BullMQ's `WorkerOptions`, plus the handlers this package adds. */
export interface RecallWorkerOptions<ConnectionOptionsType = ConnectionOptions>
  extends WorkerOptions<ConnectionOptionsType>, RecallJobHandlers {
  /**
   * Hears of every failed attempt and of every job that used up its attempts. May be async: a
   * promise it returns that rejects (or a throw) is caught and logged, never left unhandled.
   */
  onError?: ((error: Error, context: RecallJobErrorContext) => unknown) | undefined;
  /**
   * Where dead letters and connection errors are written, as the receiver's `log` option has it.
   * Default: `console.error`, repeats of one kind summarised once a minute.
   */
  log?: Partial<RecallLog> | undefined;
}

/**
 * A job this worker has no handler for: a command it does not know, or a recall whose handler
 * was not given (a one-to-one recall without `onC2CRecall`, a group recall without `onRecall`, …). The attempt fails, so the job is
 * retried (perhaps by a worker that has the handler) and ends in the failed set, never completed
 * unprocessed.
 */
export class UnhandledRecallJobError extends Error {
  readonly jobName: string;

  constructor(jobName: string, reason: string) {
    super(reason);
    this.name = new.target.name;
    this.jobName = jobName;
  }
}

/** How to give the worker each command's handler. */
const HOW_TO_HANDLE = Object.fromEntries(
  RECALL_COMMANDS.map((command) => {
    const option = COMMANDS[command].handlerOption;
    const how = option === 'onRecall' ? 'onRecall, its second argument' : `the ${option} option`;
    return [command, `give createRecallWorker ${how}`];
  }),
) as Readonly<Record<RecallCommand, string>>;

const argumentsSchema = Joi.object({
  queueName: Joi.string().min(1).required(),
  ...Object.fromEntries(HANDLER_OPTIONS.map((option) => [option, Joi.function()])),
  onRecall: Joi.function().allow(null).empty(null),
  onError: Joi.function(),
  log: Joi.object().unknown(true),
})
  .or(...HANDLER_OPTIONS)
  .messages({
    'object.missing': `give onRecall, ${HANDLER_OPTIONS.filter((option) => option !== 'onRecall')
      .map((option) => `the ${option} option`)
      .join(', ')}, or more than one`,
  })
  .prefs({ abortEarly: true, errors: { label: 'path' } });

/**
 * A BullMQ `Worker` for the jobs that `recallWebhook({ queue })` adds: `onRecall(event, job)` gets
 * the same `GroupRecallEvent` as the middleware's `onRecall`. Takes BullMQ's `Worker` arguments
 * (and its `backend` factory, such as `createPostgresBackend`), and returns the `Worker`.
 */
export function createRecallWorker<
  B extends IQueueBackend = RedisQueueBackend,
  ConnectionOptionsType = ConnectionOptions,
>(
  queueName: string,
  onRecall: GroupRecallJobHandler | null | undefined,
  workerOptions: NoInfer<RecallWorkerOptions<ConnectionOptionsType>>,
  backend?: BackendFactory<B, ConnectionOptionsType>,
): Worker<AnyRecallEvent, void, string, B, JobProgress, ConnectionOptionsType> {
  const { onError, log, ...rest } = workerOptions ?? ({} as typeof workerOptions);
  const given: Partial<Record<HandlerOption, unknown>> = { onRecall };
  const bullmqOptions: WorkerOptions<ConnectionOptionsType> & RecallJobHandlers = { ...rest };
  for (const option of HANDLER_OPTIONS) {
    if (option === 'onRecall' || !Object.hasOwn(bullmqOptions, option)) continue;
    given[option] = bullmqOptions[option];
    delete bullmqOptions[option];
  }
  const { error } = argumentsSchema.validate({ queueName, ...given, onError, log });
  if (error) throw new TypeError(`createRecallWorker: ${error.message}`);
  const failures = createFailureLog(normalizeLog(log));

  const handlers = Object.fromEntries(
    RECALL_COMMANDS.map((command) => [command, given[COMMANDS[command].handlerOption] ?? undefined]),
  ) as Partial<Record<string, (event: never, job: RecallJob) => unknown>>;

  async function processRecall(job: RecallJob): Promise<void> {
    const handler = Object.hasOwn(handlers, job.name) ? handlers[job.name] : undefined;
    if (!handler) throw unhandled(job);
    await handler(eventOf(job) as never, job);
    debug('processed job %s (%s)', job.id, job.name);
  }

  function traceJob(job: RecallJob): Promise<void> {
    if (!isTraced(jobChannel)) return processRecall(job);
    const trace: JobTraceContext = {
      command: job.name,
      jobId: job.id,
      queueName,
      attempt: job.attemptsMade + 1,
      traceContext: (job.data as { [TRACE_CONTEXT_FIELD]?: TraceCarrier } | undefined)?.[TRACE_CONTEXT_FIELD],
    };
    return jobChannel.tracePromise(async () => {
      try {
        await processRecall(job);
        trace.outcome = 'ok';
      } catch (error) {
        trace.outcome = willRetry(job, error) ? 'retry' : 'dead-letter';
        throw error;
      }
    }, trace);
  }

  // Worker's overloads cannot be picked for a generic backend: one signature covers them all.
  const RecallWorker = Worker as unknown as new (
    name: string,
    processor: (job: RecallJob) => Promise<void>,
    options: WorkerOptions<ConnectionOptionsType>,
    backend?: BackendFactory<B, ConnectionOptionsType>,
  ) => Worker<AnyRecallEvent, void, string, B, JobProgress, ConnectionOptionsType>;
  const worker = new RecallWorker(queueName, traceJob, bullmqOptions, backend);

  worker.on('failed', (job, failure) => {
    if (!job) return;
    // BullMQ sets finishedOn only when it moved the job to the failed set instead of retrying it.
    const stage: RecallJobErrorStage = typeof job.finishedOn === 'number' ? 'dead-letter' : 'attempt';
    debug('job %s (%s) failed (%s, attempt %d): %s', job.id, job.name, stage, job.attemptsMade, failure.message);
    if (stage === 'dead-letter') {
      failures.report(
        'error',
        'dead letter',
        `job ${messageOf(job.id)} (${messageOf(job.name)}) used up its ${job.attemptsMade} attempts and stays in the failed set: ${messageOf(failure)}; list dead letters with the CLI's failed command`,
      );
    }
    if (!onError) return;
    callHook(
      () => onError(failure, { stage, job, event: eventOf(job) }),
      (onErrorFailure) => {
        debug('onError threw: %O', onErrorFailure);
        failures.report('error', 'onError threw', `onError threw: ${messageOf(onErrorFailure)}`);
      },
    );
  });
  // Without a listener an 'error' event would throw; BullMQ reconnects by itself.
  worker.on('error', (failure) => {
    debug('worker error: %O', failure);
    failures.report('error', `worker error ${messageOf(failure)}`, `worker error: ${messageOf(failure)}`);
  });
  return worker;
}

/** The job's event, without the trace context the receiver may have added for the worker's subscribers. */
function eventOf(job: RecallJob): AnyRecallEvent {
  const data = job.data as AnyRecallEvent & { [TRACE_CONTEXT_FIELD]?: TraceCarrier };
  if (data === null || typeof data !== 'object' || !Object.hasOwn(data, TRACE_CONTEXT_FIELD)) return data;
  const event = { ...data };
  delete event[TRACE_CONTEXT_FIELD];
  return event;
}

/** BullMQ's own rule (Job#shouldRetryJob), seen from inside the processor. */
function willRetry(job: RecallJob, error: unknown): boolean {
  const unrecoverable =
    error instanceof UnrecoverableError || (error as Error | undefined)?.name === 'UnrecoverableError';
  return !unrecoverable && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
}

function unhandled(job: RecallJob): UnhandledRecallJobError {
  const option = Object.hasOwn(HOW_TO_HANDLE, job.name) ? HOW_TO_HANDLE[job.name as RecallCommand] : undefined;
  const reason = option
    ? `job ${job.id} is a ${job.name} recall, and this worker has no handler for it (${option}); the job fails and is retried`
    : `job ${job.id} is named '${job.name}', which is not a recall callback command (${RECALL_COMMANDS.join(', ')})`;
  debug(reason);
  return new UnhandledRecallJobError(job.name, reason);
}
