/**
 * An OpenTelemetry SDK whose parts throw synchronously (a span processor's onStart and onEnd, a
 * tracer's startSpan, a propagator's inject, every instrument's add and record): every recall is
 * answered as without instrumentation, on Express, node:http and Fetch, nothing is thrown as uncaught, and the
 * failures go to OpenTelemetry's diag logger.
 */
import {
  diag,
  DiagLogLevel,
  type Meter,
  type MeterProvider,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { context, propagation, type TextMapPropagator } from '@opentelemetry/api';
import { instrumentRecallWebhook, type RecallWebhookInstrumentation } from '../../lib/entries/opentelemetry';
import { jobChannel, traceReconcilePass, type JobTraceContext } from '../../lib/observability/channels';
import { body, query, queryString, SDK_APP_ID } from '../cases';
import { RUNTIMES, type RunningReceiver } from '../support/runtimes';

const sdkFailure = () => new Error('the SDK failed');

const throwingProcessor: SpanProcessor = {
  onStart: () => {
    throw sdkFailure();
  },
  onEnd: () => {
    throw sdkFailure();
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};

/** The SDK's tracer provider, but each tracer's startSpan throws. */
function throwingTracerProvider(): TracerProvider {
  const sdk = new BasicTracerProvider();
  return {
    getTracer(name, version, options): Tracer {
      const tracer = sdk.getTracer(name, version, options);
      return Object.assign(Object.create(tracer) as Tracer, {
        startSpan: () => {
          throw sdkFailure();
        },
      });
    },
  };
}

/** The SDK's meter provider, but every instrument it creates throws on add and record. */
function throwingMeterProvider(): MeterProvider {
  const sdk = new SdkMeterProvider();
  const throwing = <T extends object>(instrument: T): T =>
    Object.assign(Object.create(instrument) as T, {
      add: () => {
        throw sdkFailure();
      },
      record: () => {
        throw sdkFailure();
      },
    });
  return {
    getMeter(name, version, options): Meter {
      const meter = sdk.getMeter(name, version, options);
      return Object.assign(Object.create(meter) as Meter, {
        createCounter: (...args: Parameters<Meter['createCounter']>) => throwing(meter.createCounter(...args)),
        createHistogram: (...args: Parameters<Meter['createHistogram']>) => throwing(meter.createHistogram(...args)),
      });
    },
  };
}

const throwingPropagator: TextMapPropagator = {
  inject: () => {
    throw sdkFailure();
  },
  extract: () => {
    throw sdkFailure();
  },
  fields: () => [],
};

const SDKS: Array<[string, () => { tracerProvider: TracerProvider; meterProvider?: MeterProvider }]> = [
  [
    'a span processor that throws',
    () => ({ tracerProvider: new BasicTracerProvider({ spanProcessors: [throwingProcessor] }) }),
  ],
  ['a tracer whose startSpan throws', () => ({ tracerProvider: throwingTracerProvider() })],
  [
    'a meter whose instruments throw',
    () => ({ tracerProvider: new BasicTracerProvider(), meterProvider: throwingMeterProvider() }),
  ],
];

const uncaught: unknown[] = [];
const recordUncaught = (error: unknown) => uncaught.push(error);
const diagnosed: string[] = [];
beforeAll(() => {
  process.on('uncaughtException', recordUncaught);
  diag.setLogger(
    {
      error: (message) => diagnosed.push(message),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.ERROR,
  );
  propagation.setGlobalPropagator(throwingPropagator);
});
afterAll(() => {
  process.off('uncaughtException', recordUncaught);
  diag.disable();
  propagation.disable();
  context.disable();
});

/** Lets a throw Node rethrows on the next tick happen before the check. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe.each(SDKS)('with %s', (_sdk, makeSdk) => {
  let instrumentation: RecallWebhookInstrumentation;
  beforeEach(() => {
    uncaught.length = 0;
    diagnosed.length = 0;
    instrumentation = instrumentRecallWebhook(makeSdk());
  });
  afterEach(() => instrumentation.disable());

  describe.each(RUNTIMES.map((runtime) => [runtime.name, runtime] as const))('on %s', (_name, runtime) => {
    let receiver: RunningReceiver;
    const handled: string[] = [];
    beforeEach(async () => {
      handled.length = 0;
      receiver = await runtime.start({
        sdkAppId: SDK_APP_ID,
        onRecall: (event) => {
          handled.push(event.groupId);
          if (event.groupId === '@TGS#failing') throw new Error('downstream down');
        },
        onError: () => {},
        log: { warn() {}, error() {} },
      });
    });
    afterEach(() => receiver.close());

    it('answers every recall as without instrumentation, and nothing is uncaught', async () => {
      expect((await receiver.post(queryString(query()), body())).status).toBe(200);
      expect((await receiver.post(queryString(query()), body({ GroupId: '@TGS#failing' }))).status).toBe(500);
      expect((await receiver.post(queryString(query({ SdkAppid: '1' })), body())).status).toBe(403);
      await settle();
      expect(handled).toHaveLength(2);
      expect(uncaught).toEqual([]);
      expect(diagnosed.length).toBeGreaterThan(0);
      expect(diagnosed.every((message) => /^tencent-chat-recall-webhook: .+ threw$/.test(message))).toBe(true);
    });
  });

  it('lets jobs and reconciliation passes run and settle as without it', async () => {
    const job: JobTraceContext = { command: 'Group.CallbackAfterRecallMsg', jobId: '1', queueName: 'q', attempt: 1 };
    job.traceContext = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    await expect(
      jobChannel.tracePromise(async () => {
        job.outcome = 'ok';
        return 'done';
      }, job),
    ).resolves.toBe('done');
    await expect(
      traceReconcilePass({ sdkAppId: String(SDK_APP_ID) }, async (pass) => {
        pass.recovered = 2;
        return 'passed';
      }),
    ).resolves.toBe('passed');
    await settle();
    expect(uncaught).toEqual([]);
  });
});
