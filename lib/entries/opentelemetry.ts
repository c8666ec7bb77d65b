// `tencent-chat-recall-webhook/opentelemetry`: spans and metrics from the package's TracingChannels;
// the only entry that loads @opentelemetry/api.
export {
  ATTRIBUTES,
  instrumentRecallWebhook,
  INSTRUMENTATION_NAME,
  METRICS,
  type RecallWebhookInstrumentation,
  type RecallWebhookInstrumentationOptions,
} from '../observability/opentelemetry';
export {
  CHECKPOINT_AGE_METRIC,
  instrumentReconcileCheckpoint,
  type ReconcileCheckpointInstrumentation,
  type ReconcileCheckpointInstrumentationOptions,
} from '../observability/reconcile-metrics';
