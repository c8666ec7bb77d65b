// What every entry point exports: the errors, the dedupe stores, signing and the types. No
// adapter here: each entry point adds its own, and only the root one the Express middleware.
export { signRequestTime } from '../protocol/signature';
export {
  createCallbackSignatureCheck,
  type CallbackSignatureCheck,
  type CallbackSignatureCheckOptions,
  type CallbackSignatureQuery,
} from '../protocol/callback-signature';
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
export {
  C2C_RECALL_COMMAND,
  GROUP_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  RECALL_COMMAND,
} from '../protocol/types';
export { RECALL_COMMANDS, type HandlerOption } from '../protocol/commands';
export type {
  AnyC2CRecallEvent,
  AnyGroupRecallEvent,
  AnyOfficialAccountRecallEvent,
  AnyRecallEvent,
  AnyRecallEventOf,
  C2CHistoryMessage,
  C2CRecallCallbackBody,
  C2CRecallEvent,
  CallbackAnswer,
  CallbackToken,
  GroupRecallCallbackBody,
  GroupHistoryMessage,
  GroupRecallEvent,
  GroupType,
  KnownGroupType,
  KnownOptPlatform,
  OfficialAccountRecallCallbackBody,
  OfficialAccountRecallEvent,
  OptPlatform,
  RecalledMessage,
  RecalledMessageWire,
  RecallCommand,
  RecallEvent,
  RecallEventOf,
  ReconciledC2CRecallEvent,
  ReconciledGroupRecallEvent,
  WithdrawnMessage,
  WithdrawnMessageWire,
} from '../protocol/types';
export type {
  C2CRecallHandler,
  DedupeOptions,
  DedupeStore,
  ErrorContext,
  ErrorStage,
  GroupRecallHandler,
  OfficialAccountRecallHandler,
  RecallHandler,
  RecallHandlerOf,
  RecallHandlers,
  RecallJobOptions,
  RecallLog,
  RecallQueue,
} from '../delivery/types';
export type { RecallWebhookOptions } from '../http/types';
