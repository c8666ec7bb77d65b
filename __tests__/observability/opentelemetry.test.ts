/**
 * The /opentelemetry subpath with an in-memory SDK: a span per callback on every runtime, its
 * attributes and status, the metrics, a span per reconciliation pass, and nothing after disable().
 */
import { metrics, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ATTRIBUTES, INSTRUMENTATION_NAME, instrumentRecallWebhook, METRICS } from '../../lib/entries/opentelemetry';
import { callbackChannel, traceReconcilePass } from '../../lib/observability/channels';
import { body, OTHER_APP_ID, query, queryString, SDK_APP_ID } from '../cases';
import { points, startTelemetry, type TestTelemetry } from '../support/opentelemetry';
import { recordChannel } from '../support/channels';
import { waitFor } from '../support/deliveries';
import { RUNTIMES, type RunningReceiver } from '../support/runtimes';

const APP = String(SDK_APP_ID);
const COMMAND = 'Group.CallbackAfterRecallMsg';

let telemetry: TestTelemetry;
beforeEach(() => {
  telemetry = startTelemetry();
});
afterEach(() => telemetry.shutdown());

describe.each(RUNTIMES.map((runtime) => [runtime.name, runtime] as const))('callback spans on %s', (_name, runtime) => {
  let receiver: RunningReceiver;
  beforeEach(async () => {
    let calls = 0;
    receiver = await runtime.start({
      sdkAppId: SDK_APP_ID,
      // The first recall is handled, the second fails.
      onRecall: () => (++calls === 1 ? undefined : Promise.reject(new Error('downstream down'))),
      onError: () => {},
      log: { warn() {}, error() {} },
    });
  });
  afterEach(() => receiver.close());

  it('one span per callback with its outcome and status, and the metrics by outcome and status', async () => {
    expect((await receiver.post(queryString(query()), body())).status).toBe(200);
    expect((await receiver.post(queryString(query()), body())).status).toBe(500);
    expect((await receiver.post(queryString(query({ SdkAppid: String(OTHER_APP_ID) })), body())).status).toBe(403);

    const spans = telemetry.spans();
    expect(spans.map((span) => span.name)).toEqual(Array(3).fill(`recall callback ${COMMAND}`));
    const [ok, failed, rejected] = spans;
    expect(ok.kind).toBe(SpanKind.INTERNAL);
    expect(ok.instrumentationScope.name).toBe(INSTRUMENTATION_NAME);
    expect(ok.attributes).toEqual({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      [ATTRIBUTES.command]: COMMAND,
      [ATTRIBUTES.sdkAppId]: APP,
      [ATTRIBUTES.outcome]: 'ok',
    });
    expect(ok.status.code).toBe(SpanStatusCode.UNSET);

    expect(failed.attributes).toMatchObject({ [ATTRIBUTES.outcome]: 'failed', 'http.response.status_code': 500 });
    expect(failed.attributes['error.type']).toBe('CallbackFailedError');
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.events.map((event) => event.name)).toEqual(['exception']);

    // A refused request is the client's error, not the receiver's: the span's status stays unset.
    expect(rejected.attributes).toMatchObject({ [ATTRIBUTES.outcome]: 'rejected', 'http.response.status_code': 403 });
    expect(rejected.attributes[ATTRIBUTES.sdkAppId]).toBeUndefined();
    expect(rejected.status.code).toBe(SpanStatusCode.UNSET);

    const metrics = await telemetry.metrics();
    const byOutcome = (outcome: string, status: number) => ({
      attributes: { [ATTRIBUTES.command]: COMMAND, [ATTRIBUTES.outcome]: outcome, 'http.response.status_code': status },
      value: 1,
    });
    const expected = [byOutcome('ok', 200), byOutcome('failed', 500), byOutcome('rejected', 403)];
    expect(points(metrics.get(METRICS.callbacks))).toEqual(expected);
    expect(metrics.get(METRICS.callbacks)?.descriptor.unit).toBe('{callback}');
    expect(points(metrics.get(METRICS.callbackDuration))).toEqual(expected);
    expect(metrics.get(METRICS.callbackDuration)?.descriptor.unit).toBe('s');
  });

  it('makes no span once disabled', async () => {
    telemetry.instrumentation.disable();
    expect((await receiver.post(queryString(query()), body())).status).toBe(200);
    expect(telemetry.spans()).toEqual([]);
  });
});

describe('reconciliation passes', () => {
  it('a span per pass and the recalls it recovered counted', async () => {
    const result = await traceReconcilePass({ sdkAppId: APP }, async (pass) => {
      pass.recovered = 3;
      return 'done';
    });
    expect(result).toBe('done');
    await expect(
      traceReconcilePass({ sdkAppId: APP }, () => Promise.reject(new Error('REST API down'))),
    ).rejects.toThrow('REST API down');

    const [passed, failed] = telemetry.spans();
    expect(passed.name).toBe('reconcile recalls');
    expect(passed.attributes).toEqual({
      [ATTRIBUTES.sdkAppId]: APP,
      [ATTRIBUTES.recovered]: 3,
      [ATTRIBUTES.outcome]: 'ok',
    });
    expect(failed.attributes[ATTRIBUTES.outcome]).toBe('failed');
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    const metrics = await telemetry.metrics();
    expect(points(metrics.get(METRICS.reconciledRecalls))).toEqual([
      { attributes: { [ATTRIBUTES.sdkAppId]: APP }, value: 3 },
    ]);
  });

  it('runs the pass as it is while nobody subscribes', async () => {
    telemetry.instrumentation.disable();
    const context = { sdkAppId: APP };
    expect(await traceReconcilePass(context, async () => 7)).toBe(7);
    expect(context).toEqual({ sdkAppId: APP });
    expect(telemetry.spans()).toEqual([]);
  });
});

describe('edges', () => {
  it('takes the global providers by default', async () => {
    telemetry.instrumentation.disable();
    metrics.setGlobalMeterProvider(telemetry.meterProvider);
    const instrumentation = instrumentRecallWebhook();
    try {
      await traceReconcilePass({ sdkAppId: APP }, async (pass) => void (pass.recovered = 1));
    } finally {
      instrumentation.disable();
    }
    expect(telemetry.spans().map((span) => span.name)).toEqual(['reconcile recalls']);
    expect(points((await telemetry.metrics()).get(METRICS.reconciledRecalls))).toEqual([
      { attributes: { [ATTRIBUTES.sdkAppId]: APP }, value: 1 },
    ]);
  });

  it('a callback under way when the instrumentation starts is counted, without a span', async () => {
    telemetry.instrumentation.disable();
    let release!: () => void;
    const receiver = await RUNTIMES[2].start({
      sdkAppId: SDK_APP_ID,
      onRecall: () => new Promise<void>((resolve) => (release = resolve)),
    });
    // Someone else subscribed, so the callback is traced from its start.
    const other = recordChannel(callbackChannel);
    try {
      const answered = receiver.post(queryString(query()), body());
      await waitFor(() => release !== undefined);
      const instrumentation = instrumentRecallWebhook({
        tracerProvider: telemetry.tracerProvider,
        meterProvider: telemetry.meterProvider,
      });
      release();
      expect((await answered).status).toBe(200);
      instrumentation.disable();
    } finally {
      other.stop();
    }
    expect(telemetry.spans()).toEqual([]);
    expect(points((await telemetry.metrics()).get(METRICS.callbacks))).toHaveLength(1);
    expect(points((await telemetry.metrics()).get(METRICS.callbackDuration))).toEqual([]);
  });

  it('a pass about no app, recovering nothing, failing with a non-Error', async () => {
    await traceReconcilePass({}, async () => {});
    await expect(traceReconcilePass({}, () => Promise.reject('gone'))).rejects.toBe('gone');
    const [passed, failed] = telemetry.spans();
    expect(passed.attributes).toEqual({ [ATTRIBUTES.recovered]: 0, [ATTRIBUTES.outcome]: 'ok' });
    expect(failed.attributes['error.type']).toBe('string');
    expect(failed.events).toEqual([]);
    expect((await telemetry.metrics()).get(METRICS.reconciledRecalls)).toBeUndefined();
  });
});
