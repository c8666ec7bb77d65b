import type { CallbackAnswer } from './types';

/** An answer ready to write: HTTP status, headers besides Content-Type, and the serialised JSON body. */
export interface Answer {
  status: number;
  headers?: Readonly<Record<string, string>>;
  body: string;
}

/** Tencent waits 2 s for the answer. */
export const TENCENT_DEADLINE_MS = 2000;

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const OK_BODY = JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 } satisfies CallbackAnswer);

export const OK_ANSWER: Answer = Object.freeze({ status: 200, body: OK_BODY });

/**
 * RFC 9110 requires a challenge on every 401. Tencent's scheme signs the query (`Sign`,
 * `RequestTime`); Tencent ignores the header, generic proxies and clients may not.
 */
export const SIGN_CHALLENGE = 'Tencent-Sign realm="Tencent Cloud Chat callback"';
const UNAUTHORIZED_HEADERS = Object.freeze({ 'WWW-Authenticate': SIGN_CHALLENGE });

export function failAnswer(status: number, errorInfo: string): Answer {
  const body = JSON.stringify({ ActionStatus: 'FAIL', ErrorInfo: errorInfo, ErrorCode: 1 } satisfies CallbackAnswer);
  return status === 401 ? { status, headers: UNAUTHORIZED_HEADERS, body } : { status, body };
}
