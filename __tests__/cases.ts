/**
 * The behaviour table of issues 2, 3 and 12: one list of requests and the answer each must get.
 * `express.test.ts` and `fetch.test.ts` run every case against their adapter. The rules that do
 * not depend on the callback command run for both recalls (group and one-to-one); the schema and
 * the event mapping have cases of their own per command.
 */
import {
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  type C2CRecallCallbackBody,
  type C2CRecallEvent,
  type GroupRecallCallbackBody,
  type GroupRecallEvent,
  type RecallEvent,
  type RecallWebhookOptions,
} from '../lib/entries';
import { createC2CRecallEvent, createCallbackQuery, createRecallEvent, signRequestTime } from '../lib/testing/index';

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
   * Express only: the mounts whose body parser answers the request itself before the
   * middleware runs (for instance `express.json()` on invalid JSON with a JSON Content-Type).
   */
  preParserRejects?: { mounts: Mount[]; contentTypes: Array<string | undefined> };
  /** Express only: an ErrorInfo override when `express.json()` parsed the body first. */
  errorInfoWhenParsed?: string | RegExp;
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

/** The event as a group recall, failing the case when the handler got another kind. */
export function groupEvent(event: RecallEvent): GroupRecallEvent {
  if (event.callbackCommand !== RECALL_COMMAND)
    throw new Error(`expected a group recall, got ${event.callbackCommand}`);
  return event;
}

/** What the rules that hold for every recall command need of one. */
interface RecallKind {
  /** Put before each case's name: empty for group recalls, whose case names predate issue 12. */
  label: string;
  query: typeof query;
  signedQuery: typeof signedQuery;
  body: (overrides?: Record<string, unknown>) => string;
  /** A body that breaks the schema, and the field the answer must name. */
  invalid: { body: string; field: string };
}

const GROUP: RecallKind = {
  label: '',
  query,
  signedQuery,
  body,
  invalid: { body: body({ GroupId: '' }), field: 'GroupId' },
};

const C2C: RecallKind = {
  label: 'one-to-one: ',
  query: c2cQuery,
  signedQuery: (token, timestampMs, overrides = {}) =>
    signedQuery(token, timestampMs, { CallbackCommand: C2C_RECALL_COMMAND, ...overrides }),
  body: c2cBody,
  invalid: { body: c2cBody({ MsgKey: '' }), field: 'MsgKey' },
};

/** A body with one field removed. */
function bodyWithout(field: keyof GroupRecallCallbackBody): string {
  const event: Record<string, unknown> = { ...createRecallEvent() };
  delete event[field];
  return JSON.stringify(event);
}

const OK: Expected = { status: 200, actionStatus: 'OK', called: true };
const fail = (status: number, errorInfo: string | RegExp): Expected => ({
  status,
  actionStatus: 'FAIL',
  errorInfo,
  called: false,
});
const PASS: Expected = { status: 200, called: false, passThrough: true };
const tokenOptions = { token: TOKEN, now: () => FIXED_NOW_MS };
const JSON_TYPES: Array<string | undefined> = ['application/json'];
const SECONDS = 1000;

/** Rule 2: SdkAppid. */
function appCases({ label, query, body }: RecallKind): Case[] {
  return [
    // Rule 2: SdkAppid.
    {
      name: label + '403 when SdkAppid is missing',
      query: query({ SdkAppid: undefined }),
      body: body(),
      expected: fail(403, 'missing SdkAppid'),
    },
    {
      name: label + '403 when SdkAppid is given twice',
      query: query({ SdkAppid: [String(SDK_APP_ID), String(SDK_APP_ID)] }),
      body: body(),
      expected: fail(403, 'more than once'),
    },
    {
      name: label + '403 when SdkAppid is another app',
      query: query({ SdkAppid: String(OTHER_APP_ID) }),
      body: body(),
      expected: fail(403, 'not this app'),
    },
    {
      name: label + '403 when SdkAppid is empty',
      query: query({ SdkAppid: '' }),
      body: body(),
      expected: fail(403, 'not this app'),
    },
    {
      name: label + '403 before the body is read: an invalid body with a wrong SdkAppid',
      query: query({ SdkAppid: String(OTHER_APP_ID) }),
      body: '{not json',
      expected: fail(403, 'not this app'),
      preParserRejects: { mounts: ['json'], contentTypes: JSON_TYPES },
    },
    {
      name: label + 'accepts any app of an array of sdkAppIds',
      options: { sdkAppId: [OTHER_APP_ID, String(SDK_APP_ID)] },
      query: query(),
      body: body(),
      expected: OK,
    },
    {
      name: label + 'accepts a numeric-string sdkAppId',
      options: { sdkAppId: String(SDK_APP_ID) },
      query: query(),
      body: body(),
      expected: OK,
      checkEvent: (event) => expect(event.sdkAppId).toBe(String(SDK_APP_ID)),
    },
  ];
}

/** Rule 3: the body. */
function bodyCases({ label, query, body }: RecallKind): Case[] {
  return [
    // Rule 3: the body.
    {
      name: label + '413 when the body is over the limit',
      options: { limit: 300 },
      query: query(),
      body: body({ Padding: 'x'.repeat(400) }),
      expected: fail(413, 'larger than the limit'),
    },
    {
      name: label + 'accepts a body exactly at the limit',
      options: { limit: Buffer.byteLength(body({ Padding: 'x' })) },
      query: query(),
      body: body({ Padding: 'x' }),
      expected: OK,
    },
    {
      name: label + '413 with a size string limit',
      options: { limit: '1kb' },
      query: query(),
      body: body({ Padding: 'é'.repeat(600) }),
      expected: fail(413, 'larger than the limit'),
    },
    {
      name: label + '400 on invalid JSON',
      query: query(),
      body: '{"CallbackCommand": ',
      expected: fail(400, 'not valid JSON'),
      preParserRejects: { mounts: ['json'], contentTypes: JSON_TYPES },
    },
    {
      name: label + '400 on an empty body',
      query: query(),
      body: '',
      expected: fail(400, 'empty body'),
      errorInfoWhenParsed: 'CallbackCommand is required',
    },
    {
      name: label + '400 on a body of whitespace',
      query: query(),
      body: '  \n ',
      expected: fail(400, 'empty body'),
      preParserRejects: { mounts: ['json'], contentTypes: JSON_TYPES },
    },
    {
      name: label + '400 on a JSON array',
      query: query(),
      body: '[{"GroupId":"g"}]',
      expected: fail(400, 'not a JSON object'),
    },
    {
      name: label + '400 on a JSON string',
      query: query(),
      body: '"Group.CallbackAfterRecallMsg"',
      expected: fail(400, 'not a JSON object'),
      preParserRejects: { mounts: ['json'], contentTypes: JSON_TYPES },
    },
    {
      name: label + '400 on JSON null',
      query: query(),
      body: 'null',
      expected: fail(400, 'not a JSON object'),
      preParserRejects: { mounts: ['json'], contentTypes: JSON_TYPES },
    },
    {
      name: label + 'reads a body that starts with a byte order mark',
      query: query(),
      body: '\ufeff' + body(),
      expected: OK,
    },
  ];
}

/** Rule 5: the handler's outcome. */
function callbackCases({ label, query, body }: RecallKind): Case[] {
  return [
    // Rule 5: onRecall's outcome.
    { name: label + 'OK when onRecall resolves', behaviour: 'resolve', query: query(), body: body(), expected: OK },
    {
      name: label + '500 with a generic ErrorInfo when onRecall throws',
      behaviour: 'throw',
      query: query(),
      body: body(),
      expected: { ...fail(500, 'the recall handler failed'), called: true, onErrorStage: 'callback' },
    },
    {
      name: label + '500 with a generic ErrorInfo when onRecall rejects',
      behaviour: 'reject',
      query: query(),
      body: body(),
      expected: { ...fail(500, 'the recall handler failed'), called: true, onErrorStage: 'callback' },
    },
    {
      name: label + '500 when onRecall rejects with a string',
      behaviour: 'reject-string',
      query: query(),
      body: body(),
      expected: { ...fail(500, 'the recall handler failed'), called: true, onErrorStage: 'callback' },
    },
    {
      name: label + '500 when onRecall throws a plain object',
      behaviour: 'throw-object',
      query: query(),
      body: body(),
      expected: { ...fail(500, 'the recall handler failed'), called: true, onErrorStage: 'callback' },
    },
  ];
}

/** Rule 6: timeouts and respond. */
function timeoutCases({ label, query, body, invalid }: RecallKind): Case[] {
  return [
    // Rule 6: timeouts and respond.
    {
      name: label + 'acknowledges with OK at timeoutMs when onRecall is still running',
      behaviour: 'slow-resolve',
      options: { timeoutMs: 50 },
      query: query(),
      body: body(),
      expected: { ...OK, minElapsedMs: 45, answeredBeforeSettled: true },
    },
    {
      name: label + 'acknowledges when onRecall never settles',
      behaviour: 'never-settle',
      options: { timeoutMs: 50 },
      query: query(),
      body: body(),
      expected: { ...OK, minElapsedMs: 45 },
    },
    {
      name: label + 'reports a failure after the timeout acknowledgement to onError',
      behaviour: 'slow-reject',
      options: { timeoutMs: 50 },
      query: query(),
      body: body(),
      expected: { ...OK, minElapsedMs: 45, onErrorStage: 'after-answer' },
    },
    {
      name: label + "respond: 'immediately' answers OK before a slow onRecall finishes",
      behaviour: 'slow-resolve',
      options: { respond: 'immediately' },
      query: query(),
      body: body(),
      expected: { ...OK, answeredBeforeSettled: true },
    },
    {
      name: label + "respond: 'immediately' answers OK when onRecall throws, and tells onError",
      behaviour: 'throw',
      options: { respond: 'immediately' },
      query: query(),
      body: body(),
      expected: { ...OK, onErrorStage: 'after-answer' },
    },
    {
      name: label + "respond: 'immediately' still rejects an invalid body",
      options: { respond: 'immediately' },
      query: query(),
      body: invalid.body,
      expected: fail(400, invalid.field),
    },
  ];
}

/** Issue 3: the token. */
function tokenCases({ label, query, signedQuery, body }: RecallKind): Case[] {
  return [
    // Issue 3: the token.
    {
      name: label + "Tencent's test vector is accepted",
      options: { token: 'xxxxyyyy', now: () => 1669872112000 },
      query: query({
        RequestTime: '1669872112',
        Sign: '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061',
      }),
      body: body(),
      expected: OK,
    },
    {
      name: label + 'a signed request is accepted',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS),
      body: body(),
      expected: OK,
    },
    {
      name: label + 'RequestTime exactly toleranceSeconds in the past is accepted',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS - 60 * SECONDS),
      body: body(),
      expected: OK,
    },
    {
      name: label + 'RequestTime exactly toleranceSeconds in the future is accepted',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS + 60 * SECONDS),
      body: body(),
      expected: OK,
    },
    {
      name: label + '401 when RequestTime is 61 s in the past',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS - 61 * SECONDS),
      body: body(),
      expected: fail(401, 'outside the accepted window'),
    },
    {
      name: label + '401 when RequestTime is 61 s in the future',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS + 61 * SECONDS),
      body: body(),
      expected: fail(401, 'outside the accepted window'),
    },
    {
      name: label + 'toleranceSeconds widens the window',
      options: { ...tokenOptions, toleranceSeconds: 300 },
      query: signedQuery(TOKEN, FIXED_NOW_MS - 300 * SECONDS),
      body: body(),
      expected: OK,
    },
    {
      name: label + 'toleranceSeconds: 301 s is outside a 300 s window',
      options: { ...tokenOptions, toleranceSeconds: 300 },
      query: signedQuery(TOKEN, FIXED_NOW_MS - 301 * SECONDS),
      body: body(),
      expected: fail(401, 'outside the accepted window'),
    },
    {
      name: label + '401 when Sign is missing',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, { Sign: undefined }),
      body: body(),
      expected: fail(401, 'Sign'),
    },
    {
      name: label + '401 when Sign is given twice',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, {
        Sign: [signRequestTime(TOKEN, FIXED_NOW_MS / 1000), signRequestTime(TOKEN, FIXED_NOW_MS / 1000)],
      }),
      body: body(),
      expected: fail(401, 'malformed Sign'),
    },
    {
      name: label + '401 when Sign is 63 hex digits',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, { Sign: signRequestTime(TOKEN, FIXED_NOW_MS / 1000).slice(1) }),
      body: body(),
      expected: fail(401, 'malformed Sign'),
    },
    {
      name: label + '401 when Sign is not hex',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, { Sign: 'g'.repeat(64) }),
      body: body(),
      expected: fail(401, 'malformed Sign'),
    },
    {
      name: label + '401 when RequestTime is missing',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, { RequestTime: undefined }),
      body: body(),
      expected: fail(401, 'RequestTime'),
    },
    {
      name: label + '401 when RequestTime is given twice',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, {
        RequestTime: [String(FIXED_NOW_MS / 1000), String(FIXED_NOW_MS / 1000)],
      }),
      body: body(),
      expected: fail(401, 'malformed RequestTime'),
    },
    {
      name: label + '401 when RequestTime is in milliseconds-with-a-fraction form',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, { RequestTime: '1669872112.0' }),
      body: body(),
      expected: fail(401, 'malformed RequestTime'),
    },
    {
      name: label + '401 when RequestTime is negative',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, { RequestTime: '-1669872112' }),
      body: body(),
      expected: fail(401, 'malformed RequestTime'),
    },
    {
      name: label + '401 when the Sign was made with another token',
      options: tokenOptions,
      query: signedQuery('not-the-token', FIXED_NOW_MS),
      body: body(),
      expected: fail(401, 'Sign does not match'),
    },
    {
      name: label + '401 when the Sign is for another RequestTime',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, { Sign: signRequestTime(TOKEN, FIXED_NOW_MS / 1000 - 1) }),
      body: body(),
      expected: fail(401, 'Sign does not match'),
    },
    {
      name: label + 'upper-case hex Sign is accepted',
      options: tokenOptions,
      query: signedQuery(TOKEN, FIXED_NOW_MS, { Sign: signRequestTime(TOKEN, FIXED_NOW_MS / 1000).toUpperCase() }),
      body: body(),
      expected: OK,
    },
    {
      name: label + 'rotation: the new token of an array is accepted',
      options: { ...tokenOptions, token: [OLD_TOKEN, TOKEN] },
      query: signedQuery(TOKEN, FIXED_NOW_MS),
      body: body(),
      expected: OK,
    },
    {
      name: label + 'rotation: the old token of an array is accepted',
      options: { ...tokenOptions, token: [OLD_TOKEN, TOKEN] },
      query: signedQuery(OLD_TOKEN, FIXED_NOW_MS),
      body: body(),
      expected: OK,
    },
    {
      name: label + 'rotation: a token outside the array is rejected',
      options: { ...tokenOptions, token: [OLD_TOKEN, TOKEN] },
      query: signedQuery('third-token', FIXED_NOW_MS),
      body: body(),
      expected: fail(401, 'Sign does not match'),
    },
    {
      name: label + 'the SdkAppid check comes before the token check',
      options: tokenOptions,
      query: signedQuery('not-the-token', FIXED_NOW_MS, { SdkAppid: String(OTHER_APP_ID) }),
      body: body(),
      expected: fail(403, 'not this app'),
    },
    {
      name: label + 'the token check comes before the body is read',
      options: tokenOptions,
      query: signedQuery('not-the-token', FIXED_NOW_MS),
      body: '{not json',
      expected: fail(401, 'Sign does not match'),
      preParserRejects: { mounts: ['json'], contentTypes: JSON_TYPES },
    },
    {
      name: label + 'without a token, a Sign and RequestTime on the request are ignored',
      query: query({ Sign: 'nonsense', RequestTime: 'yesterday' }),
      body: body(),
      expected: OK,
    },
  ];
}

/** The body of a one-to-one recall without `field`. */
function c2cBodyWithout(field: keyof C2CRecallCallbackBody): string {
  const event: Record<string, unknown> = { ...createC2CRecallEvent() };
  delete event[field];
  return JSON.stringify(event);
}

/** The event as a one-to-one recall, failing the case when the handler got another kind. */
export function c2cEvent(event: RecallEvent): C2CRecallEvent {
  if (event.callbackCommand !== C2C_RECALL_COMMAND)
    throw new Error(`expected a one-to-one recall, got ${event.callbackCommand}`);
  return event;
}

// Tencent's two documented samples, byte for byte apart from the whitespace.
const ENGLISH_SAMPLE =
  '{"CallbackCommand":"C2C.CallbackAfterMsgWithDraw","From_Account":"jared","To_Account":"Jonh","MsgKey":"48374_2837546_1557481126","UnreadMsgNum":7}';
const CHINESE_SAMPLE =
  '{"CallbackCommand":"C2C.CallbackAfterMsgWithDraw","From_Account":"jared","To_Account":"Jonh","MsgKey":"48374_2837546_1557481126","EventTime":1670574414123}';

/** What both samples map to, whichever page's fields they carry. */
const SAMPLE_EVENT = {
  callbackCommand: 'C2C.CallbackAfterMsgWithDraw',
  source: 'webhook',
  sdkAppId: String(SDK_APP_ID),
  fromAccount: 'jared',
  toAccount: 'Jonh',
  msgKey: '48374_2837546_1557481126',
};

/** What is the one-to-one recall's own: its claim, schema and event mapping. */
const c2cCases: Case[] = [
  { name: 'one-to-one: claims a valid recall and answers OK', query: c2cQuery(), body: c2cBody(), expected: OK },
  {
    name: 'one-to-one: maps the English sample (UnreadMsgNum), with the query facts',
    query: c2cQuery({ ClientIP: '203.0.113.9', OptPlatform: 'RESTAPI' }),
    body: ENGLISH_SAMPLE,
    expected: OK,
    checkEvent: (recalled, sent) => {
      expect(c2cEvent(recalled)).toEqual({
        ...SAMPLE_EVENT,
        unreadMsgNum: 7,
        clientIp: '203.0.113.9',
        optPlatform: 'RESTAPI',
        raw: JSON.parse(sent),
      });
      expect('eventTime' in recalled).toBe(false);
    },
  },
  {
    name: 'one-to-one: maps the Chinese sample (EventTime), without the query facts it lacks',
    query: c2cQuery({ ClientIP: undefined, OptPlatform: undefined }),
    body: CHINESE_SAMPLE,
    expected: OK,
    checkEvent: (recalled, sent) => {
      expect(c2cEvent(recalled)).toEqual({
        ...SAMPLE_EVENT,
        eventTime: 1670574414123,
        raw: JSON.parse(sent),
      });
      for (const field of ['unreadMsgNum', 'clientIp', 'optPlatform']) expect(field in recalled).toBe(false);
    },
  },
  {
    name: 'one-to-one: maps EventTime sent as a string of digits to a number',
    query: c2cQuery(),
    body: c2cBody({ EventTime: '1670574414123' }),
    expected: OK,
    checkEvent: (recalled) => {
      expect(recalled.eventTime).toBe(1670574414123);
      expect(c2cEvent(recalled).raw.EventTime).toBe('1670574414123');
    },
  },
  {
    name: 'one-to-one: maps EventTime sent as a number',
    query: c2cQuery(),
    body: c2cBody({ EventTime: 1670574414123 }),
    expected: OK,
    checkEvent: (recalled) => expect(recalled.eventTime).toBe(1670574414123),
  },
  {
    name: 'one-to-one: accepts UnreadMsgNum 0, and a MsgKey in a format Tencent may change to',
    query: c2cQuery(),
    body: c2cBody({ UnreadMsgNum: 0, MsgKey: 'future-format:key' }),
    expected: OK,
    checkEvent: (recalled) =>
      expect(c2cEvent(recalled)).toMatchObject({ unreadMsgNum: 0, msgKey: 'future-format:key' }),
  },
  {
    name: 'one-to-one: keeps unknown fields in raw',
    query: c2cQuery(),
    body: c2cBody({ MsgRandom: 2837546, Future: { nested: [1, 2] } }),
    expected: OK,
    checkEvent: (recalled, sent) => {
      const event = c2cEvent(recalled);
      expect(event.raw).toEqual(JSON.parse(sent));
      expect(event.raw.Future).toEqual({ nested: [1, 2] });
      expect('future' in event).toBe(false);
    },
  },
  {
    name: 'one-to-one: passes on when only onRecall is given, body unread',
    options: { onC2CRecall: undefined },
    query: c2cQuery(),
    body: c2cBody(),
    expected: PASS,
  },
  {
    name: 'group: passes on when only onC2CRecall is given, body unread',
    options: { onRecall: undefined },
    query: query(),
    body: body(),
    expected: PASS,
  },
  {
    name: 'one-to-one: claimed when only onC2CRecall is given',
    options: { onRecall: undefined },
    query: c2cQuery(),
    body: c2cBody(),
    expected: OK,
  },
  {
    name: 'one-to-one: 400 naming CallbackCommand when the body is a group recall',
    query: c2cQuery(),
    body: body(),
    expected: fail(400, 'CallbackCommand'),
  },
  {
    name: 'group: 400 naming CallbackCommand when the body is a one-to-one recall',
    query: query(),
    body: c2cBody(),
    expected: fail(400, 'CallbackCommand'),
  },
  ...(['From_Account', 'To_Account', 'MsgKey', 'CallbackCommand'] as const).map((field): Case => ({
    name: `one-to-one: 400 naming ${field} when it is missing`,
    query: c2cQuery(),
    body: c2cBodyWithout(field),
    expected: fail(400, field),
  })),
  ...(
    [
      ['MsgKey', ''],
      ['MsgKey', 48374],
      ['MsgKey', null],
      ['From_Account', 7],
      ['To_Account', ['Jonh']],
      ['UnreadMsgNum', -1],
      ['UnreadMsgNum', 1.5],
      ['UnreadMsgNum', '7'],
      ['UnreadMsgNum', 9007199254740992],
      ['EventTime', -1],
      ['EventTime', '1670574414123ms'],
      ['EventTime', ''],
      ['EventTime', '9007199254740993'],
      ['EventTime', true],
    ] as const
  ).map(([field, value]): Case => ({
    name: `one-to-one: 400 naming ${field} when it is ${JSON.stringify(value)}`,
    query: c2cQuery(),
    body: c2cBody({ [field]: value }),
    expected: fail(400, field),
  })),
];

export const cases: Case[] = [
  // Rule 1: claim only POST + CallbackCommand=Group.CallbackAfterRecallMsg; the rest goes on untouched.
  { name: 'claims a valid recall and answers OK', query: query(), body: body(), expected: OK },
  {
    name: 'passes on a POST of another CallbackCommand with its body unread',
    query: query({ CallbackCommand: 'Group.CallbackAfterSendMsg' }),
    body: JSON.stringify({ CallbackCommand: 'Group.CallbackAfterSendMsg', GroupId: 'g1', MsgBody: [] }),
    expected: PASS,
  },
  { name: 'passes on a GET of the recall command', method: 'GET', query: query(), expected: PASS },
  { name: 'passes on a PUT of the recall command', method: 'PUT', query: query(), body: body(), expected: PASS },
  { name: 'passes on a POST without a query', query: [], body: body(), expected: PASS },
  {
    name: 'passes on a POST whose CallbackCommand is given twice',
    query: query({ CallbackCommand: ['Group.CallbackAfterRecallMsg', 'Group.CallbackAfterRecallMsg'] }),
    body: body(),
    expected: PASS,
  },
  {
    name: 'passes on the command in the wrong case',
    query: query({ CallbackCommand: 'group.callbackafterrecallmsg' }),
    body: body(),
    expected: PASS,
  },

  ...appCases(GROUP),
  ...bodyCases(GROUP),

  // Rule 4: the schema, naming the field.
  {
    name: '400 naming CallbackCommand when the body command differs from the query',
    query: query(),
    body: JSON.stringify({ ...createRecallEvent(), CallbackCommand: 'Group.CallbackAfterSendMsg' }),
    expected: fail(400, 'CallbackCommand'),
  },
  {
    name: '400 naming CallbackCommand when it is missing',
    query: query(),
    body: bodyWithout('CallbackCommand'),
    expected: fail(400, 'CallbackCommand'),
  },
  {
    name: '400 naming GroupId when it is missing',
    query: query(),
    body: bodyWithout('GroupId'),
    expected: fail(400, 'GroupId'),
  },
  {
    name: '400 naming GroupId when it is empty',
    query: query(),
    body: body({ GroupId: '' }),
    expected: fail(400, 'GroupId'),
  },
  { name: '400 naming Type when it is empty', query: query(), body: body({ Type: '' }), expected: fail(400, 'Type') },
  {
    name: '400 naming Type when it is a number',
    query: query(),
    body: body({ Type: 3 as unknown as string }),
    expected: fail(400, 'Type'),
  },
  {
    name: '400 naming Operator_Account when it is missing',
    query: query(),
    body: bodyWithout('Operator_Account'),
    expected: fail(400, 'Operator_Account'),
  },
  {
    name: '400 naming Operator_Account when it is not a string',
    query: query(),
    body: body({ Operator_Account: 7 as unknown as string }),
    expected: fail(400, 'Operator_Account'),
  },
  {
    name: '400 naming MsgSeqList when it is missing',
    query: query(),
    body: bodyWithout('MsgSeqList'),
    expected: fail(400, 'MsgSeqList'),
  },
  {
    name: '400 naming MsgSeqList when it is empty',
    query: query(),
    body: body({ MsgSeqList: [] }),
    expected: fail(400, 'MsgSeqList'),
  },
  {
    name: '400 naming MsgSeqList[0] when an item is not an object',
    query: query(),
    body: body({ MsgSeqList: [130 as unknown as { MsgSeq: number }] }),
    expected: fail(400, 'MsgSeqList[0]'),
  },
  {
    name: '400 naming MsgSeqList[1].MsgSeq when it is negative',
    query: query(),
    body: body({ MsgSeqList: [{ MsgSeq: 1 }, { MsgSeq: -1 }] }),
    expected: fail(400, 'MsgSeqList[1].MsgSeq'),
  },
  {
    name: '400 naming MsgSeq when it is a string',
    query: query(),
    body: body({ MsgSeqList: [{ MsgSeq: '130' as unknown as number }] }),
    expected: fail(400, 'MsgSeqList[0].MsgSeq'),
  },
  {
    name: '400 naming MsgSeq when it is not an integer',
    query: query(),
    body: body({ MsgSeqList: [{ MsgSeq: 1.5 }] }),
    expected: fail(400, 'MsgSeqList[0].MsgSeq'),
  },
  {
    name: '400 naming MsgSeq when it is beyond the safe integers',
    query: query(),
    body: '{"CallbackCommand":"Group.CallbackAfterRecallMsg","Operator_Account":"a","Type":"Public","GroupId":"g","MsgSeqList":[{"MsgSeq":9007199254740993}],"EventTime":1}',
    expected: fail(400, 'MsgSeqList[0].MsgSeq'),
  },
  {
    name: '400 naming MsgSeq when it is missing',
    query: query(),
    body: body({ MsgSeqList: [{ MsgId: 'abc' } as unknown as { MsgSeq: number }] }),
    expected: fail(400, 'MsgSeqList[0].MsgSeq'),
  },
  {
    name: '400 naming MsgId when it is not a string',
    query: query(),
    body: body({ MsgSeqList: [{ MsgSeq: 1, MsgId: 5 as unknown as string }] }),
    expected: fail(400, 'MsgSeqList[0].MsgId'),
  },
  {
    name: '400 naming TopicId when it is not a string',
    query: query(),
    body: body({ TopicId: 12 as unknown as string }),
    expected: fail(400, 'TopicId'),
  },
  {
    name: '400 naming EventTime when it is missing',
    query: query(),
    body: bodyWithout('EventTime'),
    expected: fail(400, 'EventTime'),
  },
  {
    name: '400 naming EventTime when it is negative',
    query: query(),
    body: body({ EventTime: -1 }),
    expected: fail(400, 'EventTime'),
  },
  {
    name: '400 naming EventTime when it is a fraction',
    query: query(),
    body: body({ EventTime: 1670574414123.5 }),
    expected: fail(400, 'EventTime'),
  },
  {
    name: '400 naming EventTime when it is a string of non-digits',
    query: query(),
    body: body({ EventTime: '1670574414123ms' }),
    expected: fail(400, 'EventTime'),
  },
  {
    name: '400 naming EventTime when it is a negative string',
    query: query(),
    body: body({ EventTime: '-1670574414123' }),
    expected: fail(400, 'EventTime'),
  },
  {
    name: '400 naming EventTime when it is an empty string',
    query: query(),
    body: body({ EventTime: '' }),
    expected: fail(400, 'EventTime'),
  },
  {
    name: '400 naming EventTime when its digits are beyond the safe integers',
    query: query(),
    body: body({ EventTime: '9007199254740993' }),
    expected: fail(400, 'EventTime'),
  },
  {
    name: '400 naming EventTime when it is a boolean',
    query: query(),
    body: body({ EventTime: true as unknown as number }),
    expected: fail(400, 'EventTime'),
  },

  // The event.
  {
    name: 'maps EventTime sent as a string of digits to a number',
    query: query(),
    body: body({ EventTime: '1670574414123' }),
    expected: OK,
    checkEvent: (event) => {
      expect(event.eventTime).toBe(1670574414123);
      expect(event.raw.EventTime).toBe('1670574414123');
    },
  },
  {
    name: 'maps EventTime sent as a number',
    query: query(),
    body: body({ EventTime: 1670574414123 }),
    expected: OK,
    checkEvent: (event) => {
      expect(event.eventTime).toBe(1670574414123);
      expect(event.raw.EventTime).toBe(1670574414123);
    },
  },
  {
    name: 'accepts EventTime of the largest safe integer as digits',
    query: query(),
    body: body({ EventTime: String(Number.MAX_SAFE_INTEGER) }),
    expected: OK,
    checkEvent: (event) => expect(event.eventTime).toBe(Number.MAX_SAFE_INTEGER),
  },
  {
    name: 'maps the whole event, camelCase, with the query facts',
    query: query({ ClientIP: '203.0.113.9', OptPlatform: 'RESTAPI' }),
    body: JSON.stringify({
      CallbackCommand: 'Group.CallbackAfterRecallMsg',
      Operator_Account: 'admin',
      Type: 'Community',
      GroupId: '1213456',
      MsgSeqList: [{ MsgSeq: 130 }, { MsgSeq: 131, MsgId: '144115213033478435-1739361321-2512805311' }],
      TopicId: '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic',
      EventTime: '1670574414123',
    }),
    expected: OK,
    checkEvent: (recalled, sent) => {
      const event = groupEvent(recalled);
      expect(event).toEqual({
        callbackCommand: 'Group.CallbackAfterRecallMsg',
        source: 'webhook',
        sdkAppId: String(SDK_APP_ID),
        operatorAccount: 'admin',
        groupType: 'Community',
        groupId: '1213456',
        topicId: '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic',
        messages: [{ msgSeq: 130 }, { msgSeq: 131, msgId: '144115213033478435-1739361321-2512805311' }],
        eventTime: 1670574414123,
        clientIp: '203.0.113.9',
        optPlatform: 'RESTAPI',
        raw: JSON.parse(sent),
      });
      expect('msgId' in event.messages[0]).toBe(false);
    },
  },
  {
    name: 'keeps unknown fields in raw, top level and per message',
    query: query(),
    body: body({ Reason: 'spam', Future: { nested: [1, 2] }, MsgSeqList: [{ MsgSeq: 7, MsgId: 'm-7', Extra: true }] }),
    expected: OK,
    checkEvent: (recalled, sent) => {
      const event = groupEvent(recalled);
      expect(event.raw).toEqual(JSON.parse(sent));
      expect(event.raw.Reason).toBe('spam');
      expect(event.raw.Future).toEqual({ nested: [1, 2] });
      expect(event.raw.MsgSeqList[0].Extra).toBe(true);
      expect(event.messages).toEqual([{ msgSeq: 7, msgId: 'm-7' }]);
    },
  },
  {
    name: 'TopicId is optional: absent from the event when absent from the body',
    query: query(),
    body: body({ TopicId: undefined, Type: 'Public' }),
    expected: OK,
    checkEvent: (recalled) => {
      const event = groupEvent(recalled);
      expect('topicId' in event).toBe(false);
      expect(event.groupType).toBe('Public');
    },
  },
  {
    name: 'accepts an unknown group type and Operator_Account empty',
    query: query({ ClientIP: undefined, OptPlatform: undefined }),
    body: body({ Type: 'FutureGroupType', Operator_Account: '' }),
    expected: OK,
    checkEvent: (recalled) => {
      const event = groupEvent(recalled);
      expect(event.groupType).toBe('FutureGroupType');
      expect(event.operatorAccount).toBe('');
      expect('clientIp' in event).toBe(false);
      expect('optPlatform' in event).toBe(false);
    },
  },

  ...callbackCases(GROUP),
  ...timeoutCases(GROUP),
  ...tokenCases(GROUP),

  // One-to-one recalls: every generic rule again, then what is their own.
  ...appCases(C2C),
  ...bodyCases(C2C),
  ...callbackCases(C2C),
  ...timeoutCases(C2C),
  ...tokenCases(C2C),
  ...c2cCases,
];
