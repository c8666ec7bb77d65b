export { recallWebhook } from './express';
export { createRecallHandler } from './fetch';
export { signRequestTime } from './signature';
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
