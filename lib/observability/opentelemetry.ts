/**
 * Spans and metrics made from the package's TracingChannels through `@opentelemetry/api` alone: a
 * subscriber, so the receiver and the worker never load OpenTelemetry themselves. Without an SDK
 * the API's no-op tracer and meter make nothing.
 */
import type { TracingChannel, TracingChannelSubscribers } from 'node:diagnostics_channel';
import {
  context as otelContext,
  diag,
  metrics,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type Link,
  type MeterProvider,
  type Span,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  callbackChannel,
  jobChannel,
  reconcileChannel,
  type CallbackTraceContext,
  type JobTraceContext,
  type ReconcileTraceContext,
  type TraceCarrier,
} from './channels';

export const INSTRUMENTATION_NAME = 'tencent-chat-recall-webhook';

/** Span attribute and metric names of this package's own (the rest follow OpenTelemetry's conventions). */
export const ATTRIBUTES = Object.freeze({
  command: 'tencent_chat.callback_command',
  sdkAppId: 'tencent_chat.sdk_app_id',
  outcome: 'tencent_chat.outcome',
  attempt: 'tencent_chat.job_attempt',
  recovered: 'tencent_chat.recovered',
});

export const METRICS = Object.freeze({
  callbacks: 'tencent_chat.callbacks',
  callbackDuration: 'tencent_chat.callback.duration',
  jobs: 'tencent_chat.jobs',
  deadLetters: 'tencent_chat.dead_letters',
  reconciledRecalls: 'tencent_chat.reconciled_recalls',
});

/** Tencent gives up after 2 s: the buckets are finer below that. */
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5];

export interface RecallWebhookInstrumentationOptions {
  /** Default: the global one (`trace.getTracerProvider()`), as an SDK registers it. */
  tracerProvider?: TracerProvider | undefined;
  /** Default: the global one (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider | undefined;
}

export interface RecallWebhookInstrumentation {
  /** Unsubscribes from the channels: a span still open then is never ended, nor exported. */
  disable(): void;
}

interface Instruments {
  callbacks: Counter;
  callbackDuration: Histogram;
  jobs: Counter;
  deadLetters: Counter;
  reconciledRecalls: Counter;
}

interface Started {
  span: Span;
  startedAt: number;
}

/**
 * Subscribes to the package's TracingChannels and makes a span per callback, per job (linked to
 * the callback that queued it) and per reconciliation pass, and the metrics in `METRICS`. Call it
 * once, after the SDK is set up; `disable()` undoes it. An SDK component that throws (a span
 * processor, a tracer, a propagator, an instrument) costs its span or its data point only: the
 * error goes to OpenTelemetry's `diag` logger, never to the request or the process.
 */
export function instrumentRecallWebhook(
  options: RecallWebhookInstrumentationOptions = {},
): RecallWebhookInstrumentation {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME);
  const instruments: Instruments = {
    callbacks: meter.createCounter(METRICS.callbacks, {
      description: 'Claimed recall callbacks, by command, outcome and answer status',
      unit: '{callback}',
    }),
    callbackDuration: meter.createHistogram(METRICS.callbackDuration, {
      description: 'Time from a claimed recall callback to its answer',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_SECONDS },
    }),
    jobs: meter.createCounter(METRICS.jobs, {
      description: 'Recall jobs processed by the worker, by command, outcome and queue',
      unit: '{job}',
    }),
    deadLetters: meter.createCounter(METRICS.deadLetters, {
      description: 'Recall jobs that used up their attempts and stay in the failed set',
      unit: '{job}',
    }),
    reconciledRecalls: meter.createCounter(METRICS.reconciledRecalls, {
      description: 'Recalls reconciliation found undelivered and delivered',
      unit: '{recall}',
    }),
  };
  const started = new WeakMap<object, Started>();

  function begin(context: object, span: Span): void {
    started.set(context, { span, startedAt: performance.now() });
  }

  function finish(context: object, failed: boolean, error: unknown): void {
    const run = started.get(context);
    if (!run) return;
    started.delete(context);
    if (failed) {
      attempt('marking a span failed', () => {
        run.span.setStatus({ code: SpanStatusCode.ERROR });
        if (error !== undefined) {
          run.span.setAttribute('error.type', errorType(error));
          if (error instanceof Error) run.span.recordException(error);
        }
      });
    }
    attempt('ending a span', () => run.span.end());
  }

  const callback = {
    start(context: CallbackTraceContext) {
      const span = attempt('starting a callback span', () =>
        tracer.startSpan(
          `recall callback ${context.command}`,
          {
            kind: SpanKind.INTERNAL,
            attributes: { 'http.request.method': 'POST', [ATTRIBUTES.command]: context.command },
          },
          otelContext.active(),
        ),
      );
      if (!span) return;
      begin(context, span);
      // Handed to a job when the recall is queued, so the job's span can link back to this one.
      attempt('injecting the trace context', () => {
        const carrier: TraceCarrier = {};
        propagation.inject(trace.setSpan(otelContext.active(), span), carrier);
        if (Object.keys(carrier).length > 0) context.traceContext = carrier;
      });
    },
    asyncEnd(context: CallbackTraceContext) {
      const run = started.get(context);
      const attributes: Attributes = {
        [ATTRIBUTES.command]: context.command,
        [ATTRIBUTES.outcome]: context.outcome,
        'http.response.status_code': context.status,
      };
      if (run) {
        attempt('setting span attributes', () =>
          run.span.setAttributes({ ...attributes, [ATTRIBUTES.sdkAppId]: context.sdkAppId }),
        );
        attempt('recording a metric', () =>
          instruments.callbackDuration.record((performance.now() - run.startedAt) / 1000, attributes),
        );
      }
      attempt('recording a metric', () => instruments.callbacks.add(1, attributes));
      finish(context, context.outcome === 'failed', context.error);
    },
  };

  const job = {
    start(context: JobTraceContext) {
      const linked = attempt(
        'extracting the trace context',
        () => context.traceContext && trace.getSpanContext(propagation.extract(ROOT_CONTEXT, context.traceContext)),
      );
      const links: Link[] = linked ? [{ context: linked }] : [];
      const span = attempt('starting a job span', () =>
        tracer.startSpan(
          `recall job ${context.command}`,
          {
            kind: SpanKind.CONSUMER,
            links,
            attributes: {
              'messaging.system': 'bullmq',
              'messaging.operation.type': 'process',
              'messaging.operation.name': 'process',
              'messaging.destination.name': context.queueName,
              'messaging.message.id': context.jobId,
              [ATTRIBUTES.command]: context.command,
              [ATTRIBUTES.attempt]: context.attempt,
            },
          },
          otelContext.active(),
        ),
      );
      if (span) begin(context, span);
    },
    asyncEnd(context: JobTraceContext) {
      const attributes: Attributes = {
        [ATTRIBUTES.command]: context.command,
        [ATTRIBUTES.outcome]: context.outcome,
        'messaging.destination.name': context.queueName,
      };
      attempt('setting span attributes', () =>
        started.get(context)?.span.setAttributes({ [ATTRIBUTES.outcome]: context.outcome }),
      );
      attempt('recording a metric', () => instruments.jobs.add(1, attributes));
      if (context.outcome === 'dead-letter') {
        attempt('recording a metric', () =>
          instruments.deadLetters.add(1, {
            [ATTRIBUTES.command]: context.command,
            'messaging.destination.name': context.queueName,
          }),
        );
      }
      finish(context, context.outcome !== 'ok', context.error);
    },
  };

  const reconcile = {
    start(context: ReconcileTraceContext) {
      const attributes = appAttributes(context.sdkAppId);
      const span = attempt('starting a reconciliation span', () =>
        tracer.startSpan('reconcile recalls', { kind: SpanKind.INTERNAL, attributes }, otelContext.active()),
      );
      if (span) begin(context, span);
    },
    asyncEnd(context: ReconcileTraceContext) {
      const recovered = context.recovered ?? 0;
      attempt('setting span attributes', () =>
        started
          .get(context)
          ?.span.setAttributes({ [ATTRIBUTES.recovered]: recovered, [ATTRIBUTES.outcome]: context.outcome }),
      );
      if (recovered > 0) {
        attempt('recording a metric', () =>
          instruments.reconciledRecalls.add(recovered, appAttributes(context.sdkAppId)),
        );
      }
      finish(context, context.outcome === 'failed', context.error);
    },
  };

  const subscriptions = [
    subscribe(callbackChannel, callback),
    subscribe(jobChannel, job),
    subscribe(reconcileChannel, reconcile),
  ];
  return {
    disable() {
      for (const unsubscribe of subscriptions) unsubscribe();
    },
  };
}

/** Node takes any of the five events; its types want all of them. Returns the unsubscribe. */
function subscribe<Context extends object>(
  channel: TracingChannel<unknown, Context>,
  handlers: Partial<TracingChannelSubscribers<Context>>,
): () => void {
  channel.subscribe(handlers as TracingChannelSubscribers<Context>);
  return () => void channel.unsubscribe(handlers as TracingChannelSubscribers<Context>);
}

/**
 * Runs one step of the subscriber. A subscriber's throw would leave the channel as an uncaught
 * exception (Node's behaviour), ending the process with the request unanswered: an SDK component
 * that throws is reported to OpenTelemetry's own diagnostics instead, and the step's result is lost.
 */
function attempt<T>(step: string, run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    try {
      diag.error(`${INSTRUMENTATION_NAME}: ${step} threw`, error);
    } catch {
      // A diagnostics logger that throws too has nowhere left to report to.
    }
    return undefined;
  }
}

/** A pass may be about no one app: then no attribute rather than an empty one. */
function appAttributes(sdkAppId: string | undefined): Attributes {
  return sdkAppId === undefined ? {} : { [ATTRIBUTES.sdkAppId]: sdkAppId };
}

function errorType(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
