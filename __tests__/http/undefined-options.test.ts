/**
 * An optional field set to `undefined` behaves as if it were absent, in every public options and
 * overrides type: `token: process.env.CALLBACK_TOKEN` with the variable unset is no token.
 * (That the types accept `undefined` is checked by `npm run check:consumer` under
 * exactOptionalPropertyTypes.)
 */
import { createRecallHandler, memoryStore, type DedupeStore } from '../../lib/entries';
import { createCallbackQuery, createMsgSeqList, createRecallEvent } from '../../lib/testing/index';
import { EVERY_OPTIONAL_UNDEFINED } from '../support/options';

const SDK_APP_ID = 1400000000;
const NOW = 1_700_000_000_000;

function post(query: Record<string, string>, body: unknown = createRecallEvent()): Request {
  return new Request(`https://example.com/callback?${new URLSearchParams(query)}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
}

afterEach(() => jest.useRealTimers());

describe('recallWebhook and createRecallHandler options', () => {
  it('take every optional option as undefined and apply the defaults', async () => {
    const onRecall = jest.fn();
    const handler = createRecallHandler({
      sdkAppId: SDK_APP_ID,
      onRecall,
      ...EVERY_OPTIONAL_UNDEFINED,
    });

    // token undefined: no signature check, so an unsigned callback is handled.
    const response = await handler(post(createCallbackQuery(SDK_APP_ID)));
    expect(response?.status).toBe(200);
    expect(onRecall).toHaveBeenCalledTimes(1);
    // limit undefined: the default 100 kB still rejects a larger body.
    const large = createRecallEvent({ Padding: 'x'.repeat(101 * 1024) });
    expect((await handler(post(createCallbackQuery(SDK_APP_ID), large)))?.status).toBe(413);
  });

  it('take dedupe.ttlSeconds and dedupe.timeoutMs as undefined: 24 h, and the store is used', async () => {
    const ttls: number[] = [];
    const inner = memoryStore();
    const store: DedupeStore = {
      claim: (key, ttlMs) => {
        ttls.push(ttlMs);
        return inner.claim(key, ttlMs);
      },
      release: (key) => inner.release(key),
    };
    const onRecall = jest.fn();
    const handler = createRecallHandler({
      sdkAppId: SDK_APP_ID,
      onRecall,
      dedupe: { store, ttlSeconds: undefined, timeoutMs: undefined },
    });
    const body = createRecallEvent();

    expect((await handler(post(createCallbackQuery(SDK_APP_ID), body)))?.status).toBe(200);
    expect((await handler(post(createCallbackQuery(SDK_APP_ID), body)))?.status).toBe(200);
    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(ttls).toEqual([86_400_000, 86_400_000]);
  });
});

describe('the Fetch handler context', () => {
  it('takes waitUntil as undefined', async () => {
    let ran!: () => void;
    const recalled = new Promise<void>((resolve) => (ran = resolve));
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, respond: 'immediately', onRecall: () => ran() });

    const response = await handler(post(createCallbackQuery(SDK_APP_ID)), { waitUntil: undefined });
    expect(response?.status).toBe(200);
    await recalled;
  });
});

describe('memoryStore options', () => {
  it('takes max as undefined: the default 10000 keys', async () => {
    const store = memoryStore({ max: undefined });
    for (let index = 0; index < 10_000; index++) await store.claim(`key-${index}`, 60_000);
    expect(await store.claim('key-0', 60_000)).toBe(false);
    expect(await store.claim('key-10000', 60_000)).toBe(true); // the 10001st key: the oldest goes
    expect(await store.claim('key-0', 60_000)).toBe(true);
  });
});

describe('the testing kit', () => {
  it('createCallbackQuery takes every option as undefined: unsigned, with the defaults', () => {
    jest.useFakeTimers({ now: NOW });
    const query = createCallbackQuery(SDK_APP_ID, {
      token: undefined,
      timestamp: undefined,
      clientIp: undefined,
      optPlatform: undefined,
      callbackCommand: undefined,
    });
    expect(query).toEqual(createCallbackQuery(SDK_APP_ID));
    expect(query).not.toHaveProperty('Sign');
  });

  it('createCallbackQuery signs now when the timestamp is undefined', () => {
    jest.useFakeTimers({ now: NOW });
    expect(createCallbackQuery(SDK_APP_ID, { token: 't', timestamp: undefined })).toEqual(
      createCallbackQuery(SDK_APP_ID, { token: 't', timestamp: NOW }),
    );
  });

  it('createMsgSeqList takes sentAt as undefined: sent now', () => {
    jest.useFakeTimers({ now: NOW });
    expect(createMsgSeqList([7], undefined)).toEqual(createMsgSeqList([7], NOW));
  });

  it('createRecallEvent leaves a field overridden with undefined out of the body', () => {
    const body = createRecallEvent({ TopicId: undefined, Operator_Account: undefined });
    expect(body).not.toHaveProperty('TopicId');
    expect(body).not.toHaveProperty('Operator_Account');
    expect(body.Type).toBe('Community');
  });
});
