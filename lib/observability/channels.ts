/**
 * The package's `node:diagnostics_channel` TracingChannels: what APM agents and the OpenTelemetry
 * subpath subscribe to. Their names and the fields of their contexts are a public contract.
 * Nothing here imports the HTTP side: the pipeline, the worker and the reconciler import this.
 */
import { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';

export const CALLBACK_CHANNEL = 'tencent-chat-recall-webhook:callback';
export const JOB_CHANNEL = 'tencent-chat-recall-webhook:job';
export const RECONCILE_CHANNEL = 'tencent-chat-recall-webhook:reconcile';

/**
 * The key under which a queued recall's job data carries the trace context of the callback that
 * queued it, when a subscriber asked for it. The worker takes it out before the handlers see the
 * event; the job's deduplication id never depends on it.
 */
export const TRACE_CONTEXT_FIELD = 'traceContext';

/** W3C trace-context headers (`traceparent`, `tracestate`) as a propagator writes them. */
export type TraceCarrier = Record<string, string>;

/** What a claimed callback came to. */
export type CallbackOutcome =
  /** The handler ran (or, answered early, is running): answered OK. */
  | 'ok'
  /** Another copy of the recall was already delivered: answered OK. */
  | 'duplicate'
  /** The queue stored the recall as a job: answered OK. */
  | 'queued'
  /** The request was refused (4xx FAIL): bad signature, wrong app, bad body... */
  | 'rejected'
  /** The recall could not be processed or stored (5xx FAIL): Tencent retries it. */
  | 'failed';

/** The context of `tencent-chat-recall-webhook:callback`; never holds the Sign, a token or the query. */
export interface CallbackTraceContext {
  /** The callback command, e.g. `Group.CallbackAfterRecallMsg`. */
  command: string;
  /** Set once the request's SdkAppid is checked. */
  sdkAppId?: string | undefined;
  /** Set before `end`/`asyncEnd`/`error`. */
  outcome?: CallbackOutcome | undefined;
  /** The HTTP status of the answer, set with `outcome`. */
  status?: number | undefined;
  /** Set with `error` for the `rejected` and `failed` outcomes. */
  error?: unknown;
  /**
   * A subscriber may set this at `start`: a recall that is then queued carries it in its job, and
   * the job's `traceContext` hands it back to the worker's subscribers.
   */
  traceContext?: TraceCarrier | undefined;
}

/** What one processing of a job came to. */
export type JobOutcome =
  /** The handler succeeded: the job completes. */
  | 'ok'
  /** The handler failed and attempts are left: BullMQ tries the job again. */
  | 'retry'
  /** The handler failed on the last attempt (or unrecoverably): the job stays in the failed set. */
  | 'dead-letter';

/** The context of `tencent-chat-recall-webhook:job`. */
export interface JobTraceContext {
  /** The job's name: the callback command. */
  command: string;
  jobId: string | undefined;
  queueName: string;
  /** Which attempt this is, from 1. */
  attempt: number;
  /** The trace context of the callback that queued the job, when one was recorded. */
  traceContext?: TraceCarrier | undefined;
  /** Set before `asyncEnd`/`error`. */
  outcome?: JobOutcome | undefined;
  error?: unknown;
}

/** The context of `tencent-chat-recall-webhook:reconcile`: one reconciliation pass. */
export interface ReconcileTraceContext {
  /** The app the pass looked at, when it looked at one. */
  sdkAppId?: string | undefined;
  /** Set by the pass: how many recalls it found that had not been delivered, and delivered. */
  recovered?: number | undefined;
  /** `'ok'` when the pass finished, `'failed'` when it threw; set before `asyncEnd`/`error`. */
  outcome?: 'ok' | 'failed' | undefined;
  error?: unknown;
}

export const callbackChannel: TracingChannel<unknown, CallbackTraceContext> = tracingChannel(CALLBACK_CHANNEL);
export const jobChannel: TracingChannel<unknown, JobTraceContext> = tracingChannel(JOB_CHANNEL);
export const reconcileChannel: TracingChannel<unknown, ReconcileTraceContext> = tracingChannel(RECONCILE_CHANNEL);

/**
 * Whether anyone listens on any of the channel's events. `TracingChannel#hasSubscribers` is
 * missing before Node 20.13, so it is worked out from the five channels there.
 */
export function isTraced(channel: TracingChannel<unknown, object>): boolean {
  const own = (channel as { hasSubscribers?: boolean }).hasSubscribers;
  if (own !== undefined) return own;
  return (
    channel.start.hasSubscribers ||
    channel.end.hasSubscribers ||
    channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers ||
    channel.error.hasSubscribers
  );
}

/**
 * Runs one reconciliation pass inside `tencent-chat-recall-webhook:reconcile`. The pass gets the
 * context to set `recovered` on; without subscribers it runs as it is.
 */
export function traceReconcilePass<T>(
  context: ReconcileTraceContext,
  pass: (context: ReconcileTraceContext) => Promise<T>,
): Promise<T> {
  if (!isTraced(reconcileChannel)) return pass(context);
  return reconcileChannel.tracePromise(async () => {
    try {
      const result = await pass(context);
      context.outcome = 'ok';
      return result;
    } catch (error) {
      context.outcome = 'failed';
      throw error;
    }
  }, context);
}
