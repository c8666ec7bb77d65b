/** What is the group recall's own: its claim, schema and event mapping. */
import { createRecallEvent } from '../../lib/testing/index';
import { body, bodyWithout, type Case, fail, groupEvent, OK, PASS, query, SDK_APP_ID } from './support';

/** Claim only a POST whose CallbackCommand is the group recall; the rest goes on untouched. */
export const groupClaimCases: Case[] = [
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
];

/** The group recall's schema, naming the field. */
export const groupSchemaCases: Case[] = [
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
];

/** The group recall's event. */
export const groupEventCases: Case[] = [
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
];
