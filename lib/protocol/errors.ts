/**
 * A request the middleware rejected. `status` is the HTTP status of the answer and `message`
 * becomes its `ErrorInfo`, so a message never carries a secret or an expected value.
 */
export class RecallWebhookError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = new.target.name;
    this.status = status;
  }
}

/** `SdkAppid` missing, repeated, or not one of the configured apps (403). */
export class SdkAppIdMismatchError extends RecallWebhookError {
  constructor(message: string) {
    super(403, message);
  }
}

/** `Sign` or `RequestTime` missing, malformed, stale, or not matching the token (401). */
export class SignatureVerificationError extends RecallWebhookError {
  constructor(message: string) {
    super(401, message);
  }
}

/** The body is larger than the `limit` option (413). */
export class PayloadTooLargeError extends RecallWebhookError {
  constructor() {
    super(413, 'request body is larger than the limit');
  }
}

/** The body did not fully arrive within the `bodyTimeoutMs` option (408). */
export class BodyTimeoutError extends RecallWebhookError {
  constructor() {
    super(408, 'request body timed out');
  }
}

/** The body is compressed with an encoding the middleware does not read (415). */
export class UnsupportedEncodingError extends RecallWebhookError {
  constructor() {
    super(415, 'unsupported Content-Encoding');
  }
}

/** The body is empty, not JSON, not an object, or fails the event schema (400). */
export class InvalidBodyError extends RecallWebhookError {
  constructor(message: string) {
    super(400, message);
  }
}

/** The queue failed or did not acknowledge the job in time, and no inline handler could take the recall (503). The queue's error is `cause`. */
export class EnqueueFailedError extends RecallWebhookError {
  constructor(cause: unknown) {
    super(503, 'the recall could not be queued');
    this.cause = cause;
  }
}

/** The recall's handler (`onRecall`, `onC2CRecall`, `onOfficialAccountRecall`) threw or rejected; the original value is `cause` and is never sent to Tencent (500). */
export class CallbackFailedError extends RecallWebhookError {
  constructor(cause: unknown) {
    super(500, 'the recall handler failed');
    this.cause = cause;
  }
}
