// What every entry point exports: the errors, the dedupe stores, signing and the types. No
// adapter here: each entry point adds its own, and only the root one the Express middleware.
export { signRequestTime } from '../protocol/signature';
export { DedupeStoreTimeoutError } from '../delivery/dedupe';
export { dedupeKey, jobDeduplicationId } from '../protocol/recall-key';
export { DEFAULT_JOB_OPTIONS, EnqueueBackloggedError, EnqueueTimeoutError } from '../delivery/queue';
export {
  createReadinessCheck,
  type Readiness,
  type ReadinessCheckOptions,
  type ReadinessQueue,
  type ReadinessReconciler,
} from '../delivery/readiness';
export {
  CALLBACK_CHANNEL,
  JOB_CHANNEL,
  RECONCILE_CHANNEL,
  TRACE_CONTEXT_FIELD,
  type CallbackOutcome,
  type CallbackTraceContext,
  type JobOutcome,
  type JobTraceContext,
  type ReconcileTraceContext,
  type TraceCarrier,
} from '../observability/channels';
export { memoryStore, type MemoryStoreOptions } from '../delivery/memory-store';
export { redisStore, type RedisStoreClient } from '../delivery/redis-store';
export {
  BodyTimeoutError,
  CallbackFailedError,
  EnqueueFailedError,
  InvalidBodyError,
  PayloadTooLargeError,
  RecallWebhookError,
  SdkAppIdMismatchError,
  SignatureVerificationError,
  UnsupportedEncodingError,
} from '../protocol/errors';
export { C2C_RECALL_COMMAND, RECALL_COMMAND } from '../protocol/types';
export type {
  AnyC2CRecallEvent,
  AnyGroupRecallEvent,
  AnyRecallEvent,
  C2CHistoryMessage,
  C2CRecallCallbackBody,
  C2CRecallEvent,
  C2CRecallHandler,
  CallbackAnswer,
  CallbackToken,
  DedupeOptions,
  DedupeStore,
  ErrorContext,
  ErrorStage,
  GroupRecallCallbackBody,
  GroupHistoryMessage,
  GroupRecallEvent,
  GroupType,
  KnownGroupType,
  KnownOptPlatform,
  OptPlatform,
  RecalledMessage,
  RecalledMessageWire,
  RecallEvent,
  RecallHandler,
  RecallJobOptions,
  RecallLog,
  RecallQueue,
  RecallWebhookOptions,
  ReconciledC2CRecallEvent,
  ReconciledGroupRecallEvent,
} from '../protocol/types';
