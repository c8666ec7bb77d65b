/** An in-memory OpenTelemetry SDK: spans kept in memory, metrics collected on demand, contexts across awaits. */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { instrumentRecallWebhook, type RecallWebhookInstrumentation } from '../../lib/observability/opentelemetry';

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface TestTelemetry {
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  spans(): ReadableSpan[];
  /** Every metric the package's meter recorded so far, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  instrumentation: RecallWebhookInstrumentation;
  shutdown(): Promise<void>;
}

/** Sets up the SDK (the context manager and the W3C propagator globally) and the package's instrumentation. */
export function startTelemetry(): TestTelemetry {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // Global too, for libraries that take their tracer from the API, as BullMQ's telemetry does.
  trace.setGlobalTracerProvider(tracerProvider);
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = instrumentRecallWebhook({ tracerProvider, meterProvider });
  return {
    tracerProvider,
    meterProvider,
    instrumentation,
    spans: () => exporter.getFinishedSpans(),
    async metrics() {
      const { resourceMetrics } = await reader.collect();
      const all = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
      return new Map(all.map((metric) => [metric.descriptor.name, metric]));
    },
    async shutdown() {
      instrumentation.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      context.disable();
      propagation.disable();
      trace.disable();
      metrics.disable();
    },
  };
}

/** A metric's data points as `{ attributes, value }`, the histogram's value its count. */
export function points(metric: MetricData | undefined): Array<{ attributes: object; value: number }> {
  const dataPoints = (metric?.dataPoints ?? []) as Array<DataPoint<number | Histogram>>;
  return dataPoints.map((point) => ({
    attributes: point.attributes,
    value: typeof point.value === 'number' ? point.value : point.value.count,
  }));
}
