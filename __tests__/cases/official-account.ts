/** What is the Official Account recall's own: its claim, schema and event mapping. */
import {
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  type OfficialAccountRecallCallbackBody,
  type OfficialAccountRecallEvent,
  type RecallEvent,
} from '../../lib/entries';
import { createOfficialAccountRecallEvent } from '../../lib/testing/index';
import {
  body,
  c2cBody,
  fail,
  OK,
  officialAccountBody,
  officialAccountQuery,
  PASS,
  query,
  SDK_APP_ID,
  type Case,
} from './support';

function bodyWithout(field: keyof OfficialAccountRecallCallbackBody): string {
  const event: Record<string, unknown> = { ...createOfficialAccountRecallEvent() };
  delete event[field];
  return JSON.stringify(event);
}

/** The event as an Official Account recall, failing the case when the handler got another kind. */
export function officialAccountEvent(event: RecallEvent): OfficialAccountRecallEvent {
  if (event.callbackCommand !== OFFICIAL_ACCOUNT_RECALL_COMMAND)
    throw new Error(`expected an Official Account recall, got ${event.callbackCommand}`);
  return event;
}

// Tencent's documented sample (page 1047/60805), byte for byte apart from the whitespace.
const SAMPLE =
  '{"CallbackCommand":"OfficialAccount.CallbackAfterMsgWithDraw","Official_Account":"#TOA#_123","WithdrawMsgList":[{"MsgKey":"71_1_1698741698"}],"EventTime":1670574414123}';

export const officialAccountCases: Case[] = [
  {
    name: 'Official Account: claims a valid recall and answers OK',
    query: officialAccountQuery(),
    body: officialAccountBody(),
    expected: OK,
  },
  {
    name: 'Official Account: maps the documented sample, with the query facts',
    query: officialAccountQuery({ ClientIP: '203.0.113.9', OptPlatform: 'RESTAPI' }),
    body: SAMPLE,
    expected: OK,
    checkEvent: (recalled, sent) => {
      expect(officialAccountEvent(recalled)).toEqual({
        callbackCommand: OFFICIAL_ACCOUNT_RECALL_COMMAND,
        source: 'webhook',
        sdkAppId: String(SDK_APP_ID),
        officialAccount: '#TOA#_123',
        messages: [{ msgKey: '71_1_1698741698' }],
        eventTime: 1670574414123,
        clientIp: '203.0.113.9',
        optPlatform: 'RESTAPI',
        raw: JSON.parse(sent),
      });
    },
  },
  {
    name: 'Official Account: maps several messages, EventTime as a string, and no EventTime at all',
    query: officialAccountQuery({ ClientIP: undefined, OptPlatform: undefined }),
    body: officialAccountBody({
      WithdrawMsgList: [{ MsgKey: '71_1_1698741698' }, { MsgKey: '72_1_1698741699', Extra: 1 }],
      EventTime: undefined,
    }),
    expected: OK,
    checkEvent: (recalled) => {
      const event = officialAccountEvent(recalled);
      expect(event.messages).toEqual([{ msgKey: '71_1_1698741698' }, { msgKey: '72_1_1698741699' }]);
      for (const field of ['eventTime', 'clientIp', 'optPlatform']) expect(field in event).toBe(false);
    },
  },
  {
    name: 'Official Account: maps EventTime sent as a string of digits to a number',
    query: officialAccountQuery(),
    body: officialAccountBody({ EventTime: '1670574414123' }),
    expected: OK,
    checkEvent: (recalled) => expect(recalled.eventTime).toBe(1670574414123),
  },
  {
    name: 'Official Account: keeps unknown fields in raw',
    query: officialAccountQuery(),
    body: officialAccountBody({ Future: { nested: [1, 2] } }),
    expected: OK,
    checkEvent: (recalled, sent) => expect(officialAccountEvent(recalled).raw).toEqual(JSON.parse(sent)),
  },
  {
    name: 'Official Account: passes on when its handler is not given, body unread',
    options: { onOfficialAccountRecall: undefined },
    query: officialAccountQuery(),
    body: officialAccountBody(),
    expected: PASS,
  },
  {
    name: 'Official Account: claimed when only onOfficialAccountRecall is given',
    options: { onRecall: undefined, onC2CRecall: undefined },
    query: officialAccountQuery(),
    body: officialAccountBody(),
    expected: OK,
  },
  {
    name: 'group: passes on when only onOfficialAccountRecall is given, body unread',
    options: { onRecall: undefined, onC2CRecall: undefined },
    query: query(),
    body: body(),
    expected: PASS,
  },
  {
    name: 'Official Account: 400 naming CallbackCommand when the body is a one-to-one recall',
    query: officialAccountQuery(),
    body: c2cBody(),
    expected: fail(400, 'CallbackCommand'),
  },
  ...(['Official_Account', 'WithdrawMsgList', 'CallbackCommand'] as const).map((field): Case => ({
    name: `Official Account: 400 naming ${field} when it is missing`,
    query: officialAccountQuery(),
    body: bodyWithout(field),
    expected: fail(400, field),
  })),
  ...(
    [
      ['Official_Account', ''],
      ['Official_Account', 123],
      ['WithdrawMsgList', []],
      ['WithdrawMsgList', 'x'],
      ['WithdrawMsgList', [{}]],
      ['WithdrawMsgList', [{ MsgKey: '' }]],
      ['WithdrawMsgList', [{ MsgKey: 71 }]],
      ['EventTime', -1],
      ['EventTime', '1670574414123ms'],
      ['EventTime', true],
    ] as const
  ).map(([field, value]): Case => ({
    name: `Official Account: 400 naming ${field} when it is ${JSON.stringify(value)}`,
    query: officialAccountQuery(),
    body: officialAccountBody({ [field]: value }),
    expected: fail(400, field),
  })),
];
