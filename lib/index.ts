export { recallWebhook } from './express';
export { createRecallHandler, type RecallHandlerContext } from './fetch';
export { signRequestTime } from './signature';
export { dedupeKey, DedupeStoreTimeoutError } from './dedupe';
export { memoryStore, type MemoryStoreOptions } from './memory-store';
export { redisStore, type RedisStoreClient } from './redis-store';
export {
  BodyTimeoutError,
  CallbackFailedError,
  InvalidBodyError,
  PayloadTooLargeError,
  RecallWebhookError,
  SdkAppIdMismatchError,
  SignatureVerificationError,
  UnsupportedEncodingError,
} from './errors';
export { RECALL_COMMAND } from './types';
export type {
  CallbackAnswer,
  DedupeOptions,
  DedupeStore,
  ErrorContext,
  ErrorStage,
  GroupRecallCallbackBody,
  GroupRecallEvent,
  GroupType,
  KnownGroupType,
  KnownOptPlatform,
  OptPlatform,
  RecalledMessage,
  RecalledMessageWire,
  RecallHandler,
  RecallWebhookOptions,
} from './types';
