/** What is the one-to-one recall's own: its claim, schema and event mapping. */
import {
  C2C_RECALL_COMMAND,
  type C2CRecallCallbackBody,
  type C2CRecallEvent,
  type RecallEvent,
} from '../../lib/entries';
import { createC2CRecallEvent } from '../../lib/testing/index';
import { body, c2cBody, c2cQuery, type Case, fail, OK, PASS, query, SDK_APP_ID } from './support';

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
export const c2cCases: Case[] = [
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
