// Where the reconciliation scheduler says how far its checkpoint has come, for the checkpoint-age
// gauge of `/opentelemetry`. Nothing here loads OpenTelemetry: the scheduler imports this.
import { channel } from 'node:diagnostics_channel';

export const RECONCILE_CHECKPOINT_CHANNEL = 'tencent-chat-recall-webhook:reconcile-checkpoint';

/** Published by each running reconciler after every pass and every health check (once an interval). */
export interface ReconcileCheckpointMessage {
  /** The scheduler's queue: one schedule, however many processes run it. */
  queueName: string;
  /** Undefined when the store has none (first pass not yet done, or the store lost it). */
  checkpoint: Date | undefined;
}

export const reconcileCheckpointChannel = channel(RECONCILE_CHECKPOINT_CHANNEL);

export function publishCheckpoint(message: ReconcileCheckpointMessage): void {
  if (reconcileCheckpointChannel.hasSubscribers) reconcileCheckpointChannel.publish(message);
}
