/**
 * The /opentelemetry subpath across a real redis-server: the job's span linked to the callback's
 * that queued it, messaging attributes, and the job and dead-letter metrics.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Queue, type ConnectionOptions, type Worker } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { createRecallWorker } from '../../lib/durable/worker';
import { ATTRIBUTES, METRICS } from '../../lib/entries/opentelemetry';
import type { AnyGroupRecallEvent } from '../../lib/entries';
import { createRecallEvent } from '../../lib/testing/index';
import { query, queryString, SDK_APP_ID } from '../cases';
import {
  describeWithRedis,
  nextJob,
  openQueue,
  startRedisBackend,
  uniqueQueueName,
  type Backend,
} from '../support/bullmq';
import { points, startTelemetry, type TestTelemetry } from '../support/opentelemetry';
import { RUNTIMES } from '../support/runtimes';

jest.setTimeout(30_000);

const COMMAND = 'Group.CallbackAfterRecallMsg';

describeWithRedis('OpenTelemetry across the queue', () => {
  let backend: Backend;
  let telemetry: TestTelemetry;
  let queueName: string;
  let queue: Queue;
  let worker: Worker | undefined;

  beforeAll(async () => {
    backend = await startRedisBackend();
  });
  afterAll(() => backend.stop());
  beforeEach(() => {
    telemetry = startTelemetry();
    queueName = uniqueQueueName();
    queue = openQueue(backend, queueName);
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await queue.close();
    await telemetry.shutdown();
  });

  function startWorker(onRecall: (event: AnyGroupRecallEvent) => unknown, options: object = {}): Worker {
    const connection = backend.workerConnection() as ConnectionOptions;
    worker = createRecallWorker(queueName, onRecall, {
      connection,
      log: { error() {} },
      ...options,
    }) as unknown as Worker;
    return worker;
  }

  it("the job's span links to the callback's, under the request's own span, and the handler sees a clean event", async () => {
    const receiver = await RUNTIMES[2].start({ sdkAppId: SDK_APP_ID, queue });
    // As an HTTP server instrumentation would have it: a span active around the request.
    const server = telemetry.tracerProvider.getTracer('http').startSpan('POST /callback');
    const status = await context.with(trace.setSpan(context.active(), server), () =>
      receiver.post(queryString(query()), JSON.stringify(createRecallEvent())).then((reply) => reply.status),
    );
    server.end();
    expect(status).toBe(200);

    const events: AnyGroupRecallEvent[] = [];
    const job = await nextJob(
      startWorker((event) => void events.push(event)),
      'completed',
    );
    expect(Object.keys(events[0])).not.toContain('traceContext');

    const callback = telemetry.spans().find((span) => span.name === `recall callback ${COMMAND}`)!;
    expect(callback.attributes[ATTRIBUTES.outcome]).toBe('queued');
    expect(callback.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    const processed = telemetry.spans().find((span) => span.name === `recall job ${COMMAND}`)!;
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(processed.links.map((link) => link.context.spanId)).toEqual([callback.spanContext().spanId]);
    expect(processed.links[0].context.traceId).toBe(callback.spanContext().traceId);
    expect(processed.attributes).toEqual({
      'messaging.system': 'bullmq',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': queueName,
      'messaging.message.id': job.id,
      [ATTRIBUTES.command]: COMMAND,
      [ATTRIBUTES.attempt]: 1,
      [ATTRIBUTES.outcome]: 'ok',
    });
    expect(processed.status.code).toBe(SpanStatusCode.UNSET);

    const metrics = await telemetry.metrics();
    expect(points(metrics.get(METRICS.jobs))).toEqual([
      {
        attributes: {
          [ATTRIBUTES.command]: COMMAND,
          [ATTRIBUTES.outcome]: 'ok',
          'messaging.destination.name': queueName,
        },
        value: 1,
      },
    ]);
    expect(points(metrics.get(METRICS.deadLetters))).toEqual([]);
  });

  it('a job without a trace context gets a span without links; a dead letter is counted', async () => {
    await queue.add(COMMAND, createRecallEvent() as never, { attempts: 1 });
    await nextJob(
      startWorker(() => Promise.reject(new Error('downstream down'))),
      'failed',
    );

    const [processed] = telemetry.spans();
    expect(processed.links).toEqual([]);
    expect(processed.attributes[ATTRIBUTES.outcome]).toBe('dead-letter');
    expect(processed.status.code).toBe(SpanStatusCode.ERROR);
    const metrics = await telemetry.metrics();
    expect(points(metrics.get(METRICS.deadLetters))).toEqual([
      { attributes: { [ATTRIBUTES.command]: COMMAND, 'messaging.destination.name': queueName }, value: 1 },
    ]);
  });

  it("works alongside BullMQ's own telemetry (bullmq-otel): the job's span inside BullMQ's, still linked to the callback", async () => {
    const telemetryOption = { telemetry: new BullMQOtel({ tracerName: 'bullmq' }) };
    const tracedQueue = new Queue(queueName, {
      connection: backend.producerConnection() as ConnectionOptions,
      ...telemetryOption,
    });
    try {
      const receiver = await RUNTIMES[2].start({ sdkAppId: SDK_APP_ID, queue: tracedQueue });
      expect((await receiver.post(queryString(query()), JSON.stringify(createRecallEvent()))).status).toBe(200);
      await nextJob(
        startWorker(() => {}, telemetryOption),
        'completed',
      );
    } finally {
      await tracedQueue.close();
    }

    const spans = telemetry.spans();
    const callback = spans.find((span) => span.name === `recall callback ${COMMAND}`)!;
    const processed = spans.find((span) => span.name === `recall job ${COMMAND}`)!;
    const bullmqSpans = spans.filter((span) => span.instrumentationScope.name === 'bullmq');
    expect(bullmqSpans.length).toBeGreaterThan(0);
    const parent = spans.find((span) => span.spanContext().spanId === processed.parentSpanContext?.spanId);
    expect(parent?.instrumentationScope.name).toBe('bullmq');
    expect(processed.links.map((link) => link.context.spanId)).toEqual([callback.spanContext().spanId]);
  });
});
