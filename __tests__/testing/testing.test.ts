/** The test kit a user reaches for: lib/testing.ts. */
import { assertGroupRecallBody } from '../../lib/protocol/group-event';
import { createSignatureVerifier } from '../../lib/protocol/signature';
import { createCallbackQuery, createRecallEvent, DEMO_SDK_APP_ID, signRequestTime } from '../../lib/testing/index';
import { signRequestTime as fromSignature } from '../../lib/protocol/signature';

describe('createRecallEvent', () => {
  it('builds a valid wire body with realistic defaults', () => {
    const before = Date.now();
    const event = createRecallEvent();
    const after = Date.now();
    expect(() => assertGroupRecallBody(event)).not.toThrow();
    expect(event).toMatchObject({
      CallbackCommand: 'Group.CallbackAfterRecallMsg',
      Operator_Account: 'user_alice',
      Type: 'Community',
      GroupId: '@TGS#_@TGS#cQVLVHIM62CJ',
      TopicId: '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic',
    });
    expect(typeof event.EventTime).toBe('string');
    expect(Number(event.EventTime)).toBeGreaterThanOrEqual(before);
    expect(Number(event.EventTime)).toBeLessThanOrEqual(after);
    expect(event.MsgSeqList).toHaveLength(1);
    expect(event.MsgSeqList[0].MsgId).toMatch(/^144115213033478435-\d+-\d+$/);
  });

  it('gives every event a new MsgSeq', () => {
    const a = createRecallEvent().MsgSeqList[0].MsgSeq;
    const b = createRecallEvent().MsgSeqList[0].MsgSeq;
    expect(b).toBe(a + 1);
  });

  it('merges overrides over the defaults', () => {
    const event = createRecallEvent({ GroupId: 'g', EventTime: 5, MsgSeqList: [{ MsgSeq: 1 }], Extra: 'kept' });
    expect(event.GroupId).toBe('g');
    expect(event.EventTime).toBe(5);
    expect(event.MsgSeqList).toEqual([{ MsgSeq: 1 }]);
    expect(event.Extra).toBe('kept');
    expect(event.Type).toBe('Community');
  });
});

describe('createCallbackQuery', () => {
  it('builds the query Tencent sends, unsigned by default', () => {
    expect(createCallbackQuery(DEMO_SDK_APP_ID)).toEqual({
      SdkAppid: '1400000000',
      CallbackCommand: 'Group.CallbackAfterRecallMsg',
      contenttype: 'json',
      ClientIP: '127.0.0.1',
      OptPlatform: 'Android',
    });
  });

  it('takes the client, platform and command', () => {
    const query = createCallbackQuery('1400000001', {
      clientIp: '198.51.100.7',
      optPlatform: 'RESTAPI',
      callbackCommand: 'Group.CallbackAfterSendMsg',
    });
    expect(query).toMatchObject({
      SdkAppid: '1400000001',
      ClientIP: '198.51.100.7',
      OptPlatform: 'RESTAPI',
      CallbackCommand: 'Group.CallbackAfterSendMsg',
    });
    expect(query.Sign).toBeUndefined();
  });

  it('builds the query of a one-to-one recall', () => {
    expect(createCallbackQuery(DEMO_SDK_APP_ID, { callbackCommand: 'C2C.CallbackAfterMsgWithDraw' })).toEqual({
      SdkAppid: '1400000000',
      CallbackCommand: 'C2C.CallbackAfterMsgWithDraw',
      contenttype: 'json',
      ClientIP: '127.0.0.1',
      OptPlatform: 'Android',
    });
  });

  it('signs with a token at a given time, in whole seconds', () => {
    const query = createCallbackQuery(DEMO_SDK_APP_ID, { token: 'xxxxyyyy', timestamp: 1669872112999 });
    expect(query.RequestTime).toBe('1669872112');
    expect(query.Sign).toBe('17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061');
    expect(new URLSearchParams(query).get('Sign')).toBe(query.Sign);
  });

  it('signs at the current time by default, which the verifier accepts', () => {
    const query = createCallbackQuery(DEMO_SDK_APP_ID, { token: 'tok' });
    expect(Math.abs(Number(query.RequestTime) * 1000 - Date.now())).toBeLessThan(2000);
    expect(() =>
      createSignatureVerifier({ tokens: ['tok'], toleranceSeconds: 60, now: Date.now })(query.Sign, query.RequestTime),
    ).not.toThrow();
  });

  it('re-exports the signing function', () => {
    expect(signRequestTime).toBe(fromSignature);
  });
});
