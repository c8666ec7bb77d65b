import { metrics, type MeterProvider, type ObservableResult } from '@opentelemetry/api';
import { INSTRUMENTATION_NAME } from './opentelemetry';
import { reconcileCheckpointChannel, type ReconcileCheckpointMessage } from './reconcile-checkpoint';

export const CHECKPOINT_AGE_METRIC = 'tencent_chat.reconcile.checkpoint_age';
/** The gauge's attribute: which schedule (its BullMQ queue) the age is of. */
export const RECONCILE_QUEUE_ATTRIBUTE = 'tencent_chat.reconcile.queue';

export interface ReconcileCheckpointInstrumentationOptions {
  /** Default: the global one (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider | undefined;
}

export interface ReconcileCheckpointInstrumentation {
  /** Stops listening; the gauge reports nothing from then on. */
  disable(): void;
}

/**
 * The gauge `tencent_chat.reconcile.checkpoint_age`: seconds from each schedule's checkpoint
 * (where its last complete pass stopped reading) to now, as the reconcilers running in this
 * process last read it from the store (after each pass and once an interval). Healthy, it stays
 * near the interval; it grows when passes stop. A schedule whose store holds no checkpoint is
 * not observed: alert on the series being absent too.
 */
export function instrumentReconcileCheckpoint(
  options: ReconcileCheckpointInstrumentationOptions = {},
): ReconcileCheckpointInstrumentation {
  const latest = new Map<string, Date | undefined>();
  const listener = (message: unknown): void => {
    const { queueName, checkpoint } = message as ReconcileCheckpointMessage;
    latest.set(queueName, checkpoint);
  };
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME);
  const gauge = meter.createObservableGauge(CHECKPOINT_AGE_METRIC, {
    description: "Seconds since the reconciliation schedule's checkpoint: how far behind reconciliation is",
    unit: 's',
  });
  const observe = (result: ObservableResult): void => {
    const now = Date.now();
    for (const [queueName, checkpoint] of latest) {
      if (checkpoint !== undefined) {
        result.observe(Math.max(0, (now - checkpoint.getTime()) / 1000), { [RECONCILE_QUEUE_ATTRIBUTE]: queueName });
      }
    }
  };
  gauge.addCallback(observe);
  reconcileCheckpointChannel.subscribe(listener);
  return {
    disable() {
      reconcileCheckpointChannel.unsubscribe(listener);
      gauge.removeCallback(observe);
      latest.clear();
    },
  };
}
