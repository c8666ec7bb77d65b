/**
 * The checkpoint-age gauge fed straight from its diagnostics channel: which schedules it reports,
 * the global meter provider by default, a checkpoint ahead of this clock, and disable().
 */
import { metrics } from '@opentelemetry/api';
import { publishCheckpoint } from '../../lib/observability/reconcile-checkpoint';
import {
  CHECKPOINT_AGE_METRIC,
  RECONCILE_QUEUE_ATTRIBUTE,
  instrumentReconcileCheckpoint,
} from '../../lib/observability/reconcile-metrics';
import { points, startTelemetry, type TestTelemetry } from '../support/opentelemetry';

let telemetry: TestTelemetry;

beforeEach(() => {
  telemetry = startTelemetry();
});

afterEach(async () => {
  await telemetry.shutdown();
});

async function ages(): Promise<Map<string, number>> {
  const series = points((await telemetry.metrics()).get(CHECKPOINT_AGE_METRIC));
  return new Map(
    series.map((point) => [
      String((point.attributes as Record<string, unknown>)[RECONCILE_QUEUE_ATTRIBUTE]),
      point.value,
    ]),
  );
}

describe('instrumentReconcileCheckpoint', () => {
  it('reports no series for a schedule whose store holds no checkpoint', async () => {
    const gauge = instrumentReconcileCheckpoint({ meterProvider: telemetry.meterProvider });
    try {
      publishCheckpoint({ queueName: 'never-passed', checkpoint: undefined });
      publishCheckpoint({ queueName: 'healthy', checkpoint: new Date(Date.now() - 60_000) });
      const observed = await ages();
      expect([...observed.keys()]).toEqual(['healthy']);
      expect(observed.get('healthy')).toBeGreaterThanOrEqual(60);
      expect(observed.get('healthy')).toBeLessThan(70);
    } finally {
      gauge.disable();
    }
  });

  it('reports a checkpoint ahead of this clock (skewed hosts) as age 0, never negative', async () => {
    const gauge = instrumentReconcileCheckpoint({ meterProvider: telemetry.meterProvider });
    try {
      publishCheckpoint({ queueName: 'ahead', checkpoint: new Date(Date.now() + 3_600_000) });
      expect((await ages()).get('ahead')).toBe(0);
    } finally {
      gauge.disable();
    }
  });

  it('uses the global meter provider when given none', async () => {
    metrics.setGlobalMeterProvider(telemetry.meterProvider);
    const gauge = instrumentReconcileCheckpoint();
    try {
      publishCheckpoint({ queueName: 'global', checkpoint: new Date(Date.now() - 5_000) });
      expect((await ages()).get('global')).toBeGreaterThanOrEqual(5);
    } finally {
      gauge.disable();
    }
  });

  it('no longer listens once disabled', async () => {
    const gauge = instrumentReconcileCheckpoint({ meterProvider: telemetry.meterProvider });
    publishCheckpoint({ queueName: 'before', checkpoint: new Date(Date.now() - 1_000) });
    expect((await ages()).has('before')).toBe(true);
    gauge.disable();
    publishCheckpoint({ queueName: 'after', checkpoint: new Date(Date.now() - 1_000) });
    expect((await ages()).has('after')).toBe(false);
  });
});
