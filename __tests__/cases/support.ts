/** What every rule of the behaviour table shares: the case shape, the requests, the expectations. */
import {
  C2C_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  RECALL_COMMAND,
  type C2CRecallCallbackBody,
  type GroupRecallCallbackBody,
  type GroupRecallEvent,
  type OfficialAccountRecallCallbackBody,
  type RecallEvent,
  type RecallWebhookOptions,
} from '../../lib/entries';
import {
  createC2CRecallEvent,
  createCallbackQuery,
  createOfficialAccountRecallEvent,
  createRecallEvent,
} from '../../lib/testing/index';

export const SDK_APP_ID = 1400000123;
export const OTHER_APP_ID = 1400000999;
export const TOKEN = 'tok-current-5f0e1d';
export const OLD_TOKEN = 'tok-previous-a77c3b';
/** A whole second, so the window edges are exact: Tencent's test vector's RequestTime. */
export const FIXED_NOW_MS = 1669872112000;
export const OK_BODY = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };
/** Every thrown value a case's onRecall produces carries this; it must never reach an answer. */
export const SECRET = 'sekret-internals-42';

/** What the test's onRecall does. */
export type Behaviour =
  | 'return'
  | 'resolve'
  | 'throw'
  | 'reject'
  | 'reject-string'
  | 'throw-object'
  | 'slow-resolve'
  | 'slow-reject'
  | 'never-settle';

/** A query built as a string so a parameter can be repeated or left out. */
export type Query = Array<[string, string]>;

export interface Expected {
  status: number;
  /** Undefined for pass-through: the next handler answers. */
  actionStatus?: 'OK' | 'FAIL';
  /** A substring (or pattern) of ErrorInfo. */
  errorInfo?: string | RegExp;
  /** The handler of the query's command (onRecall or onC2CRecall) is called (exactly once) or never. */
  called: boolean;
  /** The request must reach the next handler with the body still readable. */
  passThrough?: boolean;
  /** onError must hear of exactly one failure, at this stage. */
  onErrorStage?: 'callback' | 'after-answer';
  /** The answer must not come before this many ms (timeout acknowledgement). */
  minElapsedMs?: number;
  /** The answer must come while onRecall is still running (timeout acknowledgement, respond: 'immediately'). */
  answeredBeforeSettled?: boolean;
}

export type Mount = 'none' | 'json' | 'raw' | 'text';

export interface Case {
  name: string;
  method?: string;
  query: Query;
  /** Sent as these exact bytes; undefined sends no body. */
  body?: string;
  /** Extra headers (the Content-Type is varied by the runners unless set here). */
  headers?: Record<string, string>;
  options?: Partial<RecallWebhookOptions<unknown>>;
  behaviour?: Behaviour;
  expected: Expected;
  /** Extra checks of the event handed to the handler (`groupEvent` narrows it to a group recall). */
  checkEvent?: (event: RecallEvent, body: string) => void;
  /**
   * What changes when a JSON body parser sits in front of the adapter (`express.json()`, Koa's and
   * NestJS's parsers) and the request says `application/json`; adapters without one ignore it.
   * `'rejects'`: the parser answers the request itself, before the adapter runs. `{ errorInfo }`:
   * the adapter receives the body already parsed and without its text (a parser that keeps no raw
   * text), and its answer says this instead.
   */
  behindJsonParser?: 'rejects' | { errorInfo: string | RegExp };
}

export function query(
  overrides: Record<string, string | string[] | undefined> = {},
  base: Record<string, string> = createCallbackQuery(SDK_APP_ID),
): Query {
  const merged: Record<string, string | string[] | undefined> = { ...base, ...overrides };
  const list: Query = [];
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined) continue;
    for (const one of ([] as string[]).concat(value)) list.push([key, one]);
  }
  return list;
}

export function queryString(q: Query): string {
  return new URLSearchParams(q).toString();
}

export function signedQuery(
  token: string,
  timestampMs: number,
  overrides: Record<string, string | string[] | undefined> = {},
): Query {
  return query(overrides, createCallbackQuery(SDK_APP_ID, { token, timestamp: timestampMs }));
}

export const body = (overrides: Partial<GroupRecallCallbackBody> = {}): string =>
  JSON.stringify(createRecallEvent(overrides));

export const c2cQuery = (overrides: Record<string, string | string[] | undefined> = {}): Query =>
  query({ CallbackCommand: C2C_RECALL_COMMAND, ...overrides });

export const c2cBody = (overrides: Partial<C2CRecallCallbackBody> = {}): string =>
  JSON.stringify(createC2CRecallEvent(overrides));

export const officialAccountQuery = (overrides: Record<string, string | string[] | undefined> = {}): Query =>
  query({ CallbackCommand: OFFICIAL_ACCOUNT_RECALL_COMMAND, ...overrides });

export const officialAccountBody = (overrides: Partial<OfficialAccountRecallCallbackBody> = {}): string =>
  JSON.stringify(createOfficialAccountRecallEvent(overrides));

/** The event as a group recall, failing the case when the handler got another kind. */
export function groupEvent(event: RecallEvent): GroupRecallEvent {
  if (event.callbackCommand !== RECALL_COMMAND)
    throw new Error(`expected a group recall, got ${event.callbackCommand}`);
  return event;
}

/** What the rules that hold for every recall command need of one. */
export interface RecallKind {
  /** Put before each case's name: empty for group recalls, whose case names predate one-to-one recalls. */
  label: string;
  query: typeof query;
  signedQuery: typeof signedQuery;
  body: (overrides?: Record<string, unknown>) => string;
  /** A body that breaks the schema, and the field the answer must name. */
  invalid: { body: string; field: string };
}

export const GROUP: RecallKind = {
  label: '',
  query,
  signedQuery,
  body,
  invalid: { body: body({ GroupId: '' }), field: 'GroupId' },
};

export const C2C: RecallKind = {
  label: 'one-to-one: ',
  query: c2cQuery,
  signedQuery: (token, timestampMs, overrides = {}) =>
    signedQuery(token, timestampMs, { CallbackCommand: C2C_RECALL_COMMAND, ...overrides }),
  body: c2cBody,
  invalid: { body: c2cBody({ MsgKey: '' }), field: 'MsgKey' },
};

export const OFFICIAL_ACCOUNT: RecallKind = {
  label: 'Official Account: ',
  query: officialAccountQuery,
  signedQuery: (token, timestampMs, overrides = {}) =>
    signedQuery(token, timestampMs, { CallbackCommand: OFFICIAL_ACCOUNT_RECALL_COMMAND, ...overrides }),
  body: officialAccountBody,
  invalid: { body: officialAccountBody({ Official_Account: '' }), field: 'Official_Account' },
};

/** A body with one field removed. */
export function bodyWithout(field: keyof GroupRecallCallbackBody): string {
  const event: Record<string, unknown> = { ...createRecallEvent() };
  delete event[field];
  return JSON.stringify(event);
}

export const OK: Expected = { status: 200, actionStatus: 'OK', called: true };
export const fail = (status: number, errorInfo: string | RegExp): Expected => ({
  status,
  actionStatus: 'FAIL',
  errorInfo,
  called: false,
});
export const PASS: Expected = { status: 200, called: false, passThrough: true };
export const tokenOptions = { token: TOKEN, now: () => FIXED_NOW_MS };

/** Whether a JSON body parser in front (`mount`) answers the case itself, for this Content-Type. */
export function rejectedByJsonParser(testCase: Case, mount: Mount, contentType: string | undefined): boolean {
  return testCase.behindJsonParser === 'rejects' && mount === 'json' && contentType === 'application/json';
}

/** The ErrorInfo expected once a JSON body parser that keeps no text (`parsedWithoutText`) read the body. */
export function expectedErrorInfo(testCase: Case, parsedWithoutText: boolean): string | RegExp | undefined {
  const behind = testCase.behindJsonParser;
  return parsedWithoutText && typeof behind === 'object' ? behind.errorInfo : testCase.expected.errorInfo;
}
export const SECONDS = 1000;
