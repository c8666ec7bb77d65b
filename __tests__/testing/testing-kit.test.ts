/** The kit's group shapes, message lists and one-to-one recalls, and its `tencent-chat-recall-webhook/testing` entry point. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { C2C_RECALL_COMMAND, createRecallHandler, type C2CRecallEvent } from '../../lib/entries';
import { assertGroupRecallBody } from '../../lib/protocol/group-event';
import { commandSpec, RECALL_COMMANDS } from '../../lib/protocol/commands';
import {
  createC2CRecallEvent,
  createCallbackQuery,
  createGroupRecallEvent,
  createMsgSeqList,
  createOfficialAccountRecallEvent,
  createRecallEvent,
  createWithdrawMsgList,
  DEMO_SDK_APP_ID,
  RECALL_BODY_BUILDERS,
} from '../../lib/testing/index';
import { requireBuild } from '../support/build';

describe('createRecallEvent group shapes', () => {
  it('gives a Community group a topic of that community by default', () => {
    const event = createRecallEvent({ GroupId: '@TGS#_@TGS#community2' });
    expect(event.Type).toBe('Community');
    expect(event.TopicId).toBe('@TGS#_@TGS#community2@TOPIC#_TestTopic');
  });

  it.each(['Public', 'Private', 'ChatRoom', 'AVChatRoom'])(
    'gives a %s group no topic and a non-community ID',
    (type) => {
      const event = createRecallEvent({ Type: type });
      expect(() => assertGroupRecallBody(event)).not.toThrow();
      expect(event.Type).toBe(type);
      expect('TopicId' in event).toBe(false);
      expect(event.GroupId).toMatch(/^@TGS#[^_]/);
    },
  );

  it('leaves out a field overridden with undefined', () => {
    const event = createRecallEvent({ TopicId: undefined });
    expect(() => assertGroupRecallBody(event)).not.toThrow();
    expect(Object.keys(event)).not.toContain('TopicId');
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });

  it('takes a topic on any group type', () => {
    expect(createRecallEvent({ Type: 'Public', TopicId: 't' }).TopicId).toBe('t');
  });
});

describe('the kit’s builders, one per recall command', () => {
  it.each(RECALL_COMMANDS)('builds a valid %s body, a new message each time', (command) => {
    const build = RECALL_BODY_BUILDERS[command];
    const [first, second] = [build(), build()];
    expect(first.CallbackCommand).toBe(command);
    const spec = commandSpec(command)!;
    const [a, b] = [first, second].map((body) => spec.toEvent(body, { sdkAppId: String(DEMO_SDK_APP_ID) }));
    expect(spec.keyFields(a)).not.toEqual(spec.keyFields(b));
  });

  it('keeps createRecallEvent as the group recall’s builder', () => {
    expect(createRecallEvent).toBe(createGroupRecallEvent);
  });

  it('makes an Official Account recall as in Tencent’s sample, MsgKeys as Seq_1_time', () => {
    const body = createOfficialAccountRecallEvent({ WithdrawMsgList: createWithdrawMsgList([71, 72], 1698741698000) });
    expect(body).toMatchObject({
      CallbackCommand: 'OfficialAccount.CallbackAfterMsgWithDraw',
      Official_Account: expect.stringMatching(/^@TOA#_/),
      WithdrawMsgList: [{ MsgKey: '71_1_1698741698' }, { MsgKey: '72_1_1698741698' }],
      EventTime: expect.any(Number),
    });
    expect('EventTime' in createOfficialAccountRecallEvent({ EventTime: undefined })).toBe(false);
  });
});

describe('createMsgSeqList', () => {
  it('lists each MsgSeq with a MsgId in Tencent’s format, sent at the given time', () => {
    const list = createMsgSeqList([130, 131, 7], 1739361321999);
    expect(list.map((message) => message.MsgSeq)).toEqual([130, 131, 7]);
    for (const message of list) expect(message.MsgId).toMatch(/^144115213033478435-1739361321-\d+$/);
    expect(new Set(list.map((message) => message.MsgId)).size).toBe(3);
  });

  it('builds a several-message recall the schema accepts', () => {
    const event = createRecallEvent({ MsgSeqList: createMsgSeqList([1, 2, 3]) });
    expect(() => assertGroupRecallBody(event)).not.toThrow();
    expect(event.MsgSeqList).toHaveLength(3);
  });
});

describe('createC2CRecallEvent', () => {
  /** What the Fetch handler makes of `body` sent with the kit's query for the C2C command. */
  async function receive(body: object): Promise<{ status: number; answer: unknown; events: C2CRecallEvent[] }> {
    const events: C2CRecallEvent[] = [];
    const handler = createRecallHandler({ sdkAppId: DEMO_SDK_APP_ID, onC2CRecall: (event) => void events.push(event) });
    const query = new URLSearchParams(createCallbackQuery(DEMO_SDK_APP_ID, { callbackCommand: C2C_RECALL_COMMAND }));
    const response = await handler(
      new Request(`https://example.com/im?${query}`, { method: 'POST', body: JSON.stringify(body) }),
    );
    return { status: response!.status, answer: await response!.json(), events };
  }

  it('builds a one-to-one recall with both samples’ fields and a MsgKey in Tencent’s format', () => {
    const before = Date.now();
    const event = createC2CRecallEvent();
    const after = Date.now();
    expect(event).toMatchObject({
      CallbackCommand: 'C2C.CallbackAfterMsgWithDraw',
      From_Account: 'user_alice',
      To_Account: 'user_bob',
      UnreadMsgNum: 1,
    });
    expect(typeof event.EventTime).toBe('number');
    expect(event.EventTime).toBeGreaterThanOrEqual(before);
    expect(event.EventTime).toBeLessThanOrEqual(after);
    // <MsgSeq>_<MsgRandom>_<send time in seconds>
    const [msgSeq, msgRandom, sentAt] = event.MsgKey.split('_');
    expect(event.MsgKey).toMatch(/^\d+_\d+_\d+$/);
    expect(Number(msgSeq)).toBeGreaterThan(0);
    expect(Number(msgRandom)).toBeGreaterThan(0);
    expect(Number(sentAt)).toBe(Math.floor((event.EventTime as number) / 1000));
  });

  it('gives every event a new MsgKey', () => {
    const keys = new Set([createC2CRecallEvent(), createC2CRecallEvent(), createC2CRecallEvent()].map((e) => e.MsgKey));
    expect(keys.size).toBe(3);
  });

  it('merges overrides, leaves out fields overridden with undefined, and keeps unknown fields', () => {
    const english = createC2CRecallEvent({
      From_Account: 'jared',
      To_Account: 'Jonh',
      UnreadMsgNum: 7,
      EventTime: undefined,
    });
    expect(english).toEqual({
      CallbackCommand: 'C2C.CallbackAfterMsgWithDraw',
      From_Account: 'jared',
      To_Account: 'Jonh',
      MsgKey: english.MsgKey,
      UnreadMsgNum: 7,
    });
    const chinese = createC2CRecallEvent({
      UnreadMsgNum: undefined,
      MsgKey: '48374_2837546_1557481126',
      Extra: 'kept',
    });
    expect(Object.keys(chinese)).not.toContain('UnreadMsgNum');
    expect(chinese).toMatchObject({ MsgKey: '48374_2837546_1557481126', Extra: 'kept' });
    expect(JSON.parse(JSON.stringify(chinese))).toEqual(chinese);
  });

  it('is accepted by the handler, with the query built for the C2C command', async () => {
    const body = createC2CRecallEvent({ From_Account: 'jared', To_Account: 'Jonh' });
    const { status, answer, events } = await receive(body);
    expect({ status, answer }).toEqual({ status: 200, answer: { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      callbackCommand: C2C_RECALL_COMMAND,
      sdkAppId: String(DEMO_SDK_APP_ID),
      fromAccount: 'jared',
      toAccount: 'Jonh',
      msgKey: body.MsgKey,
      unreadMsgNum: 1,
      eventTime: body.EventTime,
      clientIp: '127.0.0.1',
      optPlatform: 'Android',
      raw: body,
    });
  });

  it.each([
    ['English', { EventTime: undefined }],
    ['Chinese', { UnreadMsgNum: undefined }],
  ])('builds the %s page’s shape, which the handler accepts', async (_page, overrides) => {
    const { status, events } = await receive(createC2CRecallEvent(overrides));
    expect(status).toBe(200);
    expect(events).toHaveLength(1);
  });
});

describe('the tencent-chat-recall-webhook/testing entry point', () => {
  beforeAll(requireBuild);

  // Node resolves the package's own name through its "exports", as it does in a user's project.
  const script = `
    const kit = require('tencent-chat-recall-webhook/testing');
    import('tencent-chat-recall-webhook/testing').then((esm) => {
      const body = kit.createRecallEvent({ Type: 'Public', MsgSeqList: esm.createMsgSeqList([5]) });
      const query = esm.createCallbackQuery(kit.DEMO_SDK_APP_ID, { token: 'xxxxyyyy', timestamp: 1669872112000 });
      const c2c = esm.createC2CRecallEvent({ MsgKey: 'k' });
      const c2cQuery = kit.createCallbackQuery(1, { callbackCommand: c2c.CallbackCommand });
      console.log(JSON.stringify({ type: body.Type, seq: body.MsgSeqList[0].MsgSeq, sign: query.Sign, c2c: [c2c.MsgKey, c2cQuery.CallbackCommand] }));
    });
  `;

  it('loads from the build through require and import', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: resolve(__dirname, '..') });
    expect(JSON.parse(stdout)).toEqual({
      type: 'Public',
      seq: 5,
      sign: '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061',
      c2c: ['k', 'C2C.CallbackAfterMsgWithDraw'],
    });
  });
});
