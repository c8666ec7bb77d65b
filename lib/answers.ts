import type { CallbackAnswer } from './types';

/** An answer ready to write: HTTP status and the serialised JSON body. */
export interface Answer {
  status: number;
  body: string;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const OK_BODY = JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 } satisfies CallbackAnswer);

export const OK_ANSWER: Answer = Object.freeze({ status: 200, body: OK_BODY });

export function failAnswer(status: number, errorInfo: string): Answer {
  const body: CallbackAnswer = { ActionStatus: 'FAIL', ErrorInfo: errorInfo, ErrorCode: 1 };
  return { status, body: JSON.stringify(body) };
}
