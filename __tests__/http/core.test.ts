/** Unit tests of the protocol core, without any HTTP adapter. */
import { commandSpec } from '../../lib/protocol/commands';
import { createRecallCore, type IncomingCallback } from '../../lib/http/pipeline';
import { failAnswer, OK_ANSWER, JSON_CONTENT_TYPE } from '../../lib/protocol/answers';
import { parseBody, type BodySource } from '../../lib/protocol/body';
import { assertGroupRecallBody, toGroupRecallEvent } from '../../lib/protocol/group-event';
import {
  CallbackFailedError,
  InvalidBodyError,
  PayloadTooLargeError,
  RecallWebhookError,
  SdkAppIdMismatchError,
  SignatureVerificationError,
  UnsupportedEncodingError,
} from '../../lib/entries';
import { C2C_RECALL_COMMAND, RECALL_COMMAND, type RecallWebhookOptions } from '../../lib/entries';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { SDK_APP_ID } from '../cases';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
afterEach(async () => {
  await new Promise((r) => setTimeout(r, 5));
  expect(unhandled).toEqual([]);
});

type FakeRequest = { id: string };
const REQUEST: FakeRequest = { id: 'req-1' };

function incoming(body: BodySource | (() => Promise<BodySource>), params = createCallbackQuery(SDK_APP_ID)) {
  const readBody = jest.fn(typeof body === 'function' ? body : () => Promise.resolve(body));
  const searchParams = new URLSearchParams(params);
  const command = commandSpec(searchParams.get('CallbackCommand') ?? '') ?? commandSpec(RECALL_COMMAND)!;
  const value: IncomingCallback<FakeRequest> = {
    command,
    params: searchParams,
    request: REQUEST,
    label: 'POST /callback',
    readBody,
  };
  return { value, readBody };
}

const validBody = (): BodySource => ({ kind: 'text', text: JSON.stringify(createRecallEvent()) });

function core(options: Partial<RecallWebhookOptions<FakeRequest>> = {}) {
  return createRecallCore<FakeRequest>({ sdkAppId: SDK_APP_ID, onRecall: () => {}, ...options }, 'test');
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('answers', () => {
  it('OK and FAIL have exactly Tencent’s three fields', () => {
    expect(OK_ANSWER).toEqual({ status: 200, body: '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}' });
    expect(Object.isFrozen(OK_ANSWER)).toBe(true);
    expect(failAnswer(403, 'nope')).toEqual({
      status: 403,
      body: '{"ActionStatus":"FAIL","ErrorInfo":"nope","ErrorCode":1}',
    });
    expect(JSON_CONTENT_TYPE).toBe('application/json; charset=utf-8');
  });
});

describe('errors', () => {
  it.each([
    [new SdkAppIdMismatchError('m'), 403, 'SdkAppIdMismatchError'],
    [new SignatureVerificationError('m'), 401, 'SignatureVerificationError'],
    [new PayloadTooLargeError(), 413, 'PayloadTooLargeError'],
    [new UnsupportedEncodingError(), 415, 'UnsupportedEncodingError'],
    [new InvalidBodyError('m'), 400, 'InvalidBodyError'],
    [new CallbackFailedError('cause'), 500, 'CallbackFailedError'],
  ])('%s has status %i and its own name', (error, status, name) => {
    expect(error).toBeInstanceOf(RecallWebhookError);
    expect(error).toBeInstanceOf(Error);
    expect(error.status).toBe(status);
    expect(error.name).toBe(name);
  });

  it('CallbackFailedError keeps the cause but not its message', () => {
    const cause = new Error('db password is hunter2');
    const error = new CallbackFailedError(cause);
    expect(error.cause).toBe(cause);
    expect(error.message).not.toContain('hunter2');
  });
});

describe('parseBody', () => {
  it('parses bytes, text and an already parsed object', () => {
    const event = createRecallEvent();
    const text = JSON.stringify(event);
    expect(parseBody({ kind: 'bytes', bytes: Buffer.from(text) }, 10_000)).toEqual(event);
    expect(parseBody({ kind: 'text', text }, 10_000)).toEqual(event);
    expect(parseBody({ kind: 'parsed', value: event }, 10)).toBe(event);
  });

  it('strips a byte order mark from bytes and text', () => {
    expect(parseBody({ kind: 'bytes', bytes: Buffer.from('\ufeff{"a":1}') }, 100)).toEqual({ a: 1 });
    expect(parseBody({ kind: 'text', text: '\ufeff{"a":1}' }, 100)).toEqual({ a: 1 });
  });

  it('counts the limit in UTF-8 bytes, inclusive', () => {
    const text = '{"a":"éé"}'; // 12 bytes, 10 characters
    expect(parseBody({ kind: 'text', text }, 12)).toEqual({ a: 'éé' });
    expect(() => parseBody({ kind: 'text', text }, 11)).toThrow(PayloadTooLargeError);
    expect(parseBody({ kind: 'bytes', bytes: Buffer.from(text) }, 12)).toEqual({ a: 'éé' });
    expect(() => parseBody({ kind: 'bytes', bytes: Buffer.from(text) }, 11)).toThrow(PayloadTooLargeError);
  });

  it.each([
    [{ kind: 'text', text: '' }, 'empty body'],
    [{ kind: 'bytes', bytes: new Uint8Array(0) }, 'empty body'],
    [{ kind: 'text', text: '\ufeff' }, 'empty body'],
    [{ kind: 'parsed', value: undefined }, 'empty body'],
    [{ kind: 'text', text: '{' }, 'body is not valid JSON'],
    [{ kind: 'text', text: '[]' }, 'body is not a JSON object'],
    [{ kind: 'text', text: '12' }, 'body is not a JSON object'],
    [{ kind: 'parsed', value: null }, 'body is not a JSON object'],
    [{ kind: 'parsed', value: 'text' }, 'body is not a JSON object'],
    [{ kind: 'parsed', value: [1] }, 'body is not a JSON object'],
  ] as Array<[BodySource, string]>)('rejects %j: %s', (source, message) => {
    expect(() => parseBody(source, 100)).toThrow(new InvalidBodyError(message));
  });
});

describe('assertGroupRecallBody and toGroupRecallEvent', () => {
  it('accepts the sample of Tencent’s event page and maps it', () => {
    const sample = {
      CallbackCommand: 'Group.CallbackAfterRecallMsg',
      Operator_Account: 'admin',
      Type: 'Community',
      GroupId: '1213456',
      MsgSeqList: [{ MsgSeq: 130 }],
      TopicId: '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic',
      EventTime: '1670574414123',
    };
    expect(() => assertGroupRecallBody(sample)).not.toThrow();
    assertGroupRecallBody(sample);
    const event = toGroupRecallEvent(sample, { sdkAppId: '1400000000' });
    expect(event).toEqual({
      callbackCommand: 'Group.CallbackAfterRecallMsg',
      source: 'webhook',
      sdkAppId: '1400000000',
      operatorAccount: 'admin',
      groupType: 'Community',
      groupId: '1213456',
      topicId: '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic',
      messages: [{ msgSeq: 130 }],
      eventTime: 1670574414123,
      raw: sample,
    });
    expect(event.raw).toBe(sample);
  });

  it('names only the first failing field', () => {
    let message = '';
    try {
      assertGroupRecallBody({ ...createRecallEvent(), GroupId: 1, Type: 2 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid body: (GroupId|Type) must be a string$/);
  });

  it('does not convert values: a numeric MsgSeq string is rejected, the body left as it was', () => {
    const body = { ...createRecallEvent(), MsgSeqList: [{ MsgSeq: '5' }] };
    expect(() => assertGroupRecallBody(body)).toThrow(/MsgSeqList\[0\]\.MsgSeq/);
    expect(body.MsgSeqList[0].MsgSeq).toBe('5');
  });
});

describe('createRecallCore', () => {
  describe('claims', () => {
    const c = core();
    it.each([
      ['POST', createCallbackQuery(SDK_APP_ID), true],
      ['GET', createCallbackQuery(SDK_APP_ID), false],
      [undefined, createCallbackQuery(SDK_APP_ID), false],
      ['post', createCallbackQuery(SDK_APP_ID), false],
      ['POST', createCallbackQuery(SDK_APP_ID, { callbackCommand: 'Group.CallbackAfterSendMsg' }), false],
      ['POST', {}, false],
    ])('%s %j → %s', (method, params, claimed) => {
      expect(c.claims(method, new URLSearchParams(params))?.command).toBe(claimed ? RECALL_COMMAND : undefined);
    });
  });

  it('claims a kind of recall only when it has a handler or a queue for it', () => {
    const c2cQuery = new URLSearchParams(createCallbackQuery(SDK_APP_ID, { callbackCommand: C2C_RECALL_COMMAND }));
    const groupQuery = new URLSearchParams(createCallbackQuery(SDK_APP_ID));
    const groupOnly = core();
    const c2cOnly = core({ onRecall: undefined, onC2CRecall: () => {} });
    const queued = core({ onRecall: undefined, queue: { add: () => Promise.resolve() } });
    expect([groupOnly, c2cOnly, queued].map((c) => c.claims('POST', groupQuery)?.command)).toEqual([
      RECALL_COMMAND,
      undefined,
      RECALL_COMMAND,
    ]);
    expect([groupOnly, c2cOnly, queued].map((c) => c.claims('POST', c2cQuery)?.command)).toEqual([
      undefined,
      C2C_RECALL_COMMAND,
      C2C_RECALL_COMMAND,
    ]);
  });

  it('does not read the body when SdkAppid is wrong', async () => {
    const { value, readBody } = incoming(validBody(), createCallbackQuery(999));
    expect((await core().handle(value)).status).toBe(403);
    expect(readBody).not.toHaveBeenCalled();
  });

  it('does not read the body when the Sign is wrong', async () => {
    const { value, readBody } = incoming(validBody(), createCallbackQuery(SDK_APP_ID, { token: 'wrong' }));
    expect((await core({ token: 'right' }).handle(value)).status).toBe(401);
    expect(readBody).not.toHaveBeenCalled();
  });

  it('passes the limit to the adapter’s reader', async () => {
    const { value, readBody } = incoming(validBody());
    await core({ limit: '3kb' }).handle(value);
    expect(readBody).toHaveBeenCalledWith(3072, 1000);
  });

  it('answers a reader’s RecallWebhookError with its status', async () => {
    const { value } = incoming(() => Promise.reject(new PayloadTooLargeError()));
    expect(await core().handle(value)).toEqual(failAnswer(413, 'request body is larger than the limit'));
  });

  it('answers 500 "internal error" to an unexpected failure, without its message', async () => {
    const { value } = incoming(() => Promise.reject(new Error('EMFILE /secret/path')));
    expect(await core().handle(value)).toEqual(failAnswer(500, 'internal error'));
  });

  it('calls onRecall once with the event and the request, then answers OK', async () => {
    const onRecall = jest.fn();
    const { value } = incoming(validBody());
    expect(await core({ onRecall }).handle(value)).toBe(OK_ANSWER);
    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(onRecall.mock.calls[0][0]).toMatchObject({
      sdkAppId: String(SDK_APP_ID),
      clientIp: '127.0.0.1',
      optPlatform: 'Android',
    });
    expect(onRecall.mock.calls[0][1]).toBe(REQUEST);
  });

  it('treats a thenable that is not a Promise like a promise', async () => {
    const resolving = { then: (resolve: () => void) => setTimeout(resolve, 1) };
    expect((await core({ onRecall: () => resolving }).handle(incoming(validBody()).value)).status).toBe(200);
    const rejecting = { then: (_: unknown, reject: (e: unknown) => void) => reject(new Error('x')) };
    expect((await core({ onRecall: () => rejecting }).handle(incoming(validBody()).value)).status).toBe(500);
  });

  it('waits for an async onRecall that settles before timeoutMs', async () => {
    let done = false;
    const onRecall = () => delay(30).then(() => void (done = true));
    expect(await core({ onRecall, timeoutMs: 500 }).handle(incoming(validBody()).value)).toBe(OK_ANSWER);
    expect(done).toBe(true);
  });

  it('acknowledges at timeoutMs, lets onRecall finish, and reports nothing when it succeeds', async () => {
    let done = false;
    const onError = jest.fn();
    const onRecall = () => delay(500).then(() => void (done = true));
    expect(await core({ onRecall, onError, timeoutMs: 30 }).handle(incoming(validBody()).value)).toBe(OK_ANSWER);
    expect(done).toBe(false);
    await delay(550);
    expect(done).toBe(true);
    expect(onError).not.toHaveBeenCalled();
  });

  it('reports a failure after the acknowledgement without an unhandled rejection, even with no onError', async () => {
    const onRecall = () => delay(60).then(() => Promise.reject(new Error('late')));
    expect(await core({ onRecall, timeoutMs: 20 }).handle(incoming(validBody()).value)).toBe(OK_ANSWER);
    await delay(80);
  });

  it('counts the time spent reading the body against timeoutMs', async () => {
    const onError = jest.fn();
    // The body takes 100 ms of the 150 ms budget; onRecall fails 120 ms later, after the acknowledgement.
    const onRecall = () => delay(120).then(() => Promise.reject(new Error('late')));
    const { value } = incoming(() => delay(100).then(validBody));
    expect(await core({ onRecall, onError, timeoutMs: 150 }).handle(value)).toBe(OK_ANSWER);
    expect(onError).not.toHaveBeenCalled();
    await delay(150);
    expect(onError).toHaveBeenCalledWith(expect.any(Error), expect.objectContaining({ stage: 'after-answer' }));
  });

  it("respond: 'immediately' answers before onRecall has even started", async () => {
    const onRecall = jest.fn();
    const answer = await core({ onRecall, respond: 'immediately' }).handle(incoming(validBody()).value);
    expect(answer).toBe(OK_ANSWER);
    expect(onRecall).not.toHaveBeenCalled();
    await new Promise((r) => setImmediate(r));
    expect(onRecall).toHaveBeenCalledTimes(1);
  });

  it("respond: 'immediately' reports a rejection as after-answer", async () => {
    const onError = jest.fn();
    const failure = new Error('after');
    const c = core({ onRecall: () => Promise.reject(failure), onError, respond: 'immediately' });
    expect(await c.handle(incoming(validBody()).value)).toBe(OK_ANSWER);
    await delay(5);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0][0]).toBe(failure);
    expect(onError.mock.calls[0][1].stage).toBe('after-answer');
    expect(onError.mock.calls[0][1].request).toBe(REQUEST);
  });

  it('survives an onError that throws and still answers 500', async () => {
    const onError = jest.fn(() => {
      throw new Error('onError is broken');
    });
    const failure = { code: 42 };
    const answer = await core({
      onRecall: () => {
        throw failure;
      },
      onError,
    }).handle(incoming(validBody()).value);
    expect(answer).toEqual(failAnswer(500, 'the recall handler failed'));
    expect(onError).toHaveBeenCalledWith(failure, expect.objectContaining({ stage: 'callback', request: REQUEST }));
  });

  it('survives an onError that throws after the answer', async () => {
    const onError = jest.fn(() => {
      throw new Error('onError is broken');
    });
    const c = core({ onRecall: () => Promise.reject(new Error('x')), onError, respond: 'immediately' });
    expect(await c.handle(incoming(validBody()).value)).toBe(OK_ANSWER);
    await delay(5);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('treats an onRecall whose then getter throws as a failure', async () => {
    const poisoned = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('poisoned');
      },
    });
    expect((await core({ onRecall: () => poisoned }).handle(incoming(validBody()).value)).status).toBe(500);
  });

  it('treats a function or null returned by onRecall as a plain value', async () => {
    expect((await core({ onRecall: () => () => {} }).handle(incoming(validBody()).value)).status).toBe(200);
    expect((await core({ onRecall: () => null }).handle(incoming(validBody()).value)).status).toBe(200);
  });
});
