import createDebug from 'debug';
import {
  createRecallHandler,
  C2C_RECALL_COMMAND,
  dedupeKey,
  DedupeStoreTimeoutError,
  jobDeduplicationId,
  type C2CRecallCallbackBody,
  memoryStore,
  redisStore,
  type DedupeStore,
  type ErrorContext,
  type GroupRecallEvent,
} from '../../lib/entries';
import { createRecallCore } from '../../lib/http/pipeline';
import { toC2CRecallEvent } from '../../lib/protocol/c2c-event';
import { toGroupRecallEvent } from '../../lib/protocol/group-event';
import {
  createC2CRecallEvent,
  createCallbackQuery,
  createMsgSeqList,
  createRecallEvent,
  DEMO_SDK_APP_ID,
} from '../../lib/testing/index';
import type { GroupRecallCallbackBody } from '../../lib/protocol/types';
import { deliver, gate, startApp, waitFor, type RunningApp } from '../support/deliveries';

function eventOf(body: GroupRecallCallbackBody, sdkAppId = String(DEMO_SDK_APP_ID)): GroupRecallEvent {
  return toGroupRecallEvent(body, { sdkAppId });
}

/** Wraps a store and records what the middleware asked of it. */
function recordingStore(inner: DedupeStore = memoryStore()) {
  const claims: Array<{ key: string; ttlMs: number }> = [];
  const releases: string[] = [];
  const store: DedupeStore = {
    claim: (key, ttlMs) => {
      claims.push({ key, ttlMs });
      return inner.claim(key, ttlMs);
    },
    release: (key) => {
      releases.push(key);
      return inner.release(key);
    },
  };
  return { store, claims, releases };
}

const never = () => new Promise<never>(() => {});

describe('dedupeKey', () => {
  const body = createRecallEvent({
    MsgSeqList: [{ MsgSeq: 131 }, { MsgSeq: 7, MsgId: 'a' }, { MsgSeq: 130 }],
    EventTime: '1670574414123',
  });

  it('is the same for every copy of a recall, however EventTime and MsgSeqList are written', () => {
    const copy = {
      ...body,
      MsgSeqList: [{ MsgSeq: 130 }, { MsgSeq: 131 }, { MsgSeq: 7 }],
      EventTime: 1670574414123,
      Operator_Account: 'someone_else',
    };
    expect(dedupeKey(toGroupRecallEvent(copy, { sdkAppId: '1400000000', clientIp: '10.0.0.9' }))).toBe(
      dedupeKey(eventOf(body, '1400000000')),
    );
  });

  it('names the recalled messages, not when they were recalled: a copy with another EventTime is the same recall', () => {
    expect(dedupeKey(eventOf({ ...body, EventTime: '1670574414124' }))).toBe(dedupeKey(eventOf(body)));
  });

  it('differs when any of its fields differs', () => {
    const key = dedupeKey(eventOf(body));
    const variants = [
      eventOf(body, '1400000001'),
      eventOf({ ...body, GroupId: 'other' }),
      eventOf({ ...body, TopicId: 'other-topic' }),
      eventOf({ ...body, TopicId: undefined }),
      eventOf({ ...body, MsgSeqList: [{ MsgSeq: 130 }, { MsgSeq: 131 }] }),
    ];
    const keys = new Set(variants.map(dedupeKey));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(key)).toBe(false);
  });

  it('cannot be forged by putting separators into a group or topic ID', () => {
    const plain = eventOf({ ...body, GroupId: 'a', TopicId: 'b:c' });
    const shifted = eventOf({ ...body, GroupId: 'a:b', TopicId: 'c' });
    const quoted = eventOf({ ...body, GroupId: 'a","b', TopicId: 'c' });
    expect(new Set([plain, shifted, quoted].map(dedupeKey)).size).toBe(3);
  });

  it('has a fixed size however large the fields a sender puts in the body', () => {
    const huge = 'g'.repeat(50_000);
    const forged = eventOf({
      ...body,
      GroupId: huge,
      TopicId: huge,
      MsgSeqList: createMsgSeqList(Array.from({ length: 2000 }, (_, i) => i)),
    });
    expect(dedupeKey(forged)).toHaveLength(dedupeKey(eventOf(body)).length);
    expect(jobDeduplicationId(forged)).toHaveLength(jobDeduplicationId(eventOf(body)).length);
  });

  it('keys a one-to-one recall by app, both accounts and MsgKey, apart from every group recall', () => {
    const c2c = (overrides: Partial<C2CRecallCallbackBody>, sdkAppId = '1400000000') =>
      toC2CRecallEvent(
        { CallbackCommand: C2C_RECALL_COMMAND, From_Account: 'a', To_Account: 'b', MsgKey: '1_2_3', ...overrides },
        { sdkAppId },
      );
    expect(dedupeKey(c2c({ UnreadMsgNum: 7 }))).toBe(dedupeKey(c2c({ EventTime: '1670574414123' })));
    // MsgKey is unique within a conversation only: the same MsgKey to another recipient, or from
    // another sender, is another message.
    const keys = new Set(
      [
        c2c({}),
        c2c({ MsgKey: '1_2_4' }),
        c2c({}, '1400000001'),
        c2c({ To_Account: 'c' }),
        c2c({ From_Account: 'c' }),
        c2c({ From_Account: 'b', To_Account: 'a' }),
      ].map(dedupeKey),
    );
    expect(keys.size).toBe(6);
    expect(jobDeduplicationId(c2c({ To_Account: 'c' }))).not.toBe(jobDeduplicationId(c2c({})));
    expect(keys.has(dedupeKey(eventOf(body, '1400000000')))).toBe(false);
  });

  it('gives BullMQ a deduplication id without ":" that is never all digits', () => {
    expect(jobDeduplicationId(eventOf(body))).toMatch(/^recall-[0-9a-f]{64}$/);
  });

  it('names the package, so keys in a shared Redis are recognisable', () => {
    expect(dedupeKey(eventOf(body))).toMatch(/^tencent-chat-recall-webhook:recall:[0-9a-f]{64}$/);
  });
});

describe('memoryStore', () => {
  afterEach(() => jest.useRealTimers());

  it('claims a key once until it is released', async () => {
    const store = memoryStore();
    expect(await store.claim('k', 60_000)).toBe(true);
    expect(await store.claim('k', 60_000)).toBe(false);
    await store.release('k');
    expect(await store.claim('k', 60_000)).toBe(true);
  });

  it('forgets the oldest key beyond max', async () => {
    const store = memoryStore({ max: 2 });
    for (const key of ['a', 'b', 'c']) expect(await store.claim(key, 60_000)).toBe(true);
    expect(await store.claim('c', 60_000)).toBe(false);
    expect(await store.claim('b', 60_000)).toBe(false);
    expect(await store.claim('a', 60_000)).toBe(true); // forgotten; re-claiming it forgets b
    expect(await store.claim('b', 60_000)).toBe(true);
  });

  it('forgets a key when its TTL has passed', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const store = memoryStore();
    expect(await store.claim('short', 1000)).toBe(true);
    expect(await store.claim('long', 5000)).toBe(true);
    jest.advanceTimersByTime(999);
    expect(await store.claim('short', 1000)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(await store.claim('short', 1000)).toBe(true);
    expect(await store.claim('long', 5000)).toBe(false);
    jest.advanceTimersByTime(4000);
    expect(await store.claim('long', 5000)).toBe(true);
  });

  it('rejects a max that is not a positive integer', () => {
    expect(() => memoryStore({ max: 0 })).toThrow(/memoryStore: invalid options: "max"/);
    expect(() => memoryStore({ max: 1.5 })).toThrow(TypeError);
  });
});

describe('redisStore', () => {
  it('rejects something that is not a Redis client', () => {
    expect(() => redisStore({} as never)).toThrow(/redisStore: expected a client/);
    expect(() => redisStore(undefined as never)).toThrow(TypeError);
  });
});

describe('the dedupe option', () => {
  const onRecall = () => undefined;

  it('needs a store with claim and release', () => {
    const claimOnly = { claim: async () => true };
    expect(() => createRecallHandler({ sdkAppId: 1, onRecall, dedupe: { store: claimOnly as never } })).toThrow(
      /createRecallHandler: invalid options: "dedupe.store" must have claim\(key, ttlMs\) and release\(key\) methods/,
    );
    expect(() => createRecallHandler({ sdkAppId: 1, onRecall, dedupe: {} as never })).toThrow(/dedupe.store/);
    expect(() => createRecallHandler({ sdkAppId: 1, onRecall, dedupe: { store: null as never } })).toThrow(
      /dedupe.store/,
    );
  });

  it('keeps the very store object it was given, without copying it', () => {
    class CountingStore implements DedupeStore {
      #claimed = new Set<string>();
      async claim(key: string): Promise<boolean> {
        if (this.#claimed.has(key)) return false;
        this.#claimed.add(key);
        return true;
      }
      async release(key: string): Promise<void> {
        this.#claimed.delete(key);
      }
    }
    const store = new CountingStore();
    const core = createRecallCore({ sdkAppId: 1, onRecall, dedupe: { store } }, 'test');
    expect(core.options.delivery.dedupe?.store).toBe(store);
  });

  it('remembers deliveries for 24 hours by default, or for ttlSeconds', async () => {
    for (const [ttlSeconds, ttlMs] of [
      [undefined, 86_400_000],
      [90, 90_000],
    ] as const) {
      const { store, claims } = recordingStore();
      const handler = createRecallHandler({ sdkAppId: DEMO_SDK_APP_ID, onRecall, dedupe: { store, ttlSeconds } });
      await handler(fetchRequest(createRecallEvent()));
      expect(claims.map((claim) => claim.ttlMs)).toEqual([ttlMs]);
    }
  });

  it('rejects bad ttlSeconds and timeoutMs, and a total wait past Tencent’s deadline', () => {
    const store = memoryStore();
    expect(() => createRecallHandler({ sdkAppId: 1, onRecall, dedupe: { store, ttlSeconds: 0 } })).toThrow(
      /dedupe.ttlSeconds/,
    );
    expect(() => createRecallHandler({ sdkAppId: 1, onRecall, dedupe: { store, timeoutMs: 0 } })).toThrow(
      /dedupe.timeoutMs/,
    );
    expect(() => createRecallHandler({ sdkAppId: 1, onRecall, timeoutMs: 1800, dedupe: { store } })).toThrow(
      /timeoutMs \+ dedupe.timeoutMs must be less than 2000/,
    );
    expect(() => createRecallHandler({ sdkAppId: 1, onRecall, timeoutMs: 1799, dedupe: { store } })).not.toThrow();
    expect(() => createRecallHandler({ sdkAppId: 1, onRecall, timeoutMs: 1800 })).not.toThrow();
  });
});

function fetchRequest(body: GroupRecallCallbackBody): Request {
  const query = new URLSearchParams(createCallbackQuery(DEMO_SDK_APP_ID));
  return new Request(`http://127.0.0.1/callback?${query}`, { method: 'POST', body: JSON.stringify(body) });
}

describe('dedupe over HTTP', () => {
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const errors: Array<{ error: unknown; context: ErrorContext<unknown> }> = [];
  const onError = (error: unknown, context: ErrorContext<unknown>) => errors.push({ error, context });
  beforeEach(() => (errors.length = 0));

  it('without the option, processes every copy (the baseline this option changes)', async () => {
    const onRecall = jest.fn();
    app = await startApp({ onRecall });
    const body = createRecallEvent();
    await deliver(app.url, body);
    await deliver(app.url, body);
    expect(onRecall).toHaveBeenCalledTimes(2);
  });

  it('answers a copy that arrives after the first finished with OK, without calling onRecall, and logs it', async () => {
    const onRecall = jest.fn();
    app = await startApp({ onRecall, dedupe: { store: memoryStore() } });
    const body = createRecallEvent();
    const logged: string[] = [];
    const originalLog = createDebug.log;
    const enabledBefore = createDebug.disable();
    createDebug.enable('tencent-chat-recall-webhook:dedupe');
    createDebug.log = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    try {
      expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
      expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    } finally {
      createDebug.log = originalLog;
      createDebug.enable(enabledBefore);
    }
    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(logged.filter((line) => line.includes('duplicate delivery'))).toHaveLength(1);
  });

  it('answers a copy that arrives while the first is still running with OK, without calling onRecall', async () => {
    const first = gate();
    const onRecall = jest.fn(() => first.opened);
    app = await startApp({ onRecall, dedupe: { store: memoryStore() } });
    const body = createRecallEvent();
    const firstAnswer = deliver(app.url, body);
    await waitFor(() => onRecall.mock.calls.length === 1);
    expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    first.open();
    expect(await firstAnswer).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(1);
  });

  it('processes two copies of a one-to-one recall (same app and MsgKey) once, and another MsgKey apart', async () => {
    const onRecall = jest.fn();
    const onC2CRecall = jest.fn();
    app = await startApp({ onRecall, onC2CRecall, dedupe: { store: memoryStore() } });
    const body = createC2CRecallEvent({ MsgKey: '48374_2837546_1557481126', UnreadMsgNum: 7, EventTime: undefined });
    // The second copy as the other documented sample: other fields, the same recall.
    const copy = createC2CRecallEvent({ MsgKey: body.MsgKey, UnreadMsgNum: undefined, EventTime: 1670574414123 });
    expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(await deliver(app.url, copy)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onC2CRecall).toHaveBeenCalledTimes(1);
    await deliver(app.url, createC2CRecallEvent({ MsgKey: '48375_2837547_1557481127' }));
    expect(onC2CRecall.mock.calls.map(([event]) => event.msgKey)).toEqual([body.MsgKey, '48375_2837547_1557481127']);
    expect(onRecall).not.toHaveBeenCalled();
  });

  it('processes distinct recalls in the same group separately', async () => {
    const onRecall = jest.fn();
    app = await startApp({ onRecall, dedupe: { store: memoryStore() } });
    const first = createRecallEvent();
    await deliver(app.url, first);
    await deliver(app.url, { ...first, MsgSeqList: [{ MsgSeq: 99_999 }] });
    expect(onRecall).toHaveBeenCalledTimes(2);
  });

  it('releases the key before answering FAIL, so a later copy is processed', async () => {
    const { store, releases } = recordingStore();
    const onRecall = jest.fn().mockRejectedValueOnce(new Error('push service down'));
    app = await startApp({ onRecall, onError, dedupe: { store } });
    const body = createRecallEvent();
    expect(await deliver(app.url, body)).toEqual({ status: 500, actionStatus: 'FAIL' });
    expect(releases).toEqual([dedupeKey(eventOf(body))]);
    expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(2);
    expect(errors.map(({ context }) => context.stage)).toEqual(['callback']);
  });

  it('after a timeout acknowledgement, holds the key while onRecall runs and releases it if it fails late', async () => {
    const { store, releases } = recordingStore();
    const late = gate();
    const onRecall = jest
      .fn()
      .mockImplementationOnce(() => late.opened.then(() => Promise.reject(new Error('late failure'))))
      .mockResolvedValue(undefined);
    app = await startApp({ onRecall, onError, timeoutMs: 50, dedupe: { store } });
    const body = createRecallEvent();
    expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(1);
    late.open();
    await waitFor(() => releases.length === 1);
    expect(errors.map(({ context }) => context.stage)).toEqual(['after-answer']);
    expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(2);
  });

  it('with respond: immediately, runs onRecall once per recall and releases the key when it fails', async () => {
    const { store, claims, releases } = recordingStore();
    const onRecall = jest.fn().mockRejectedValueOnce(new Error('audit log down'));
    app = await startApp({ onRecall, onError, respond: 'immediately', dedupe: { store } });
    const failing = createRecallEvent();
    expect(await deliver(app.url, failing)).toEqual({ status: 200, actionStatus: 'OK' });
    await waitFor(() => releases.length === 1);
    expect(errors.map(({ context }) => context.stage)).toEqual(['after-answer']);

    const body = createRecallEvent();
    const answers = await Promise.all([deliver(app.url, failing), deliver(app.url, body), deliver(app.url, body)]);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    await waitFor(() => claims.length === 4 && onRecall.mock.calls.length >= 3);
    // The duplicate's claim has been answered; give its (absent) onRecall call a moment to show up.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const seqsCalled = onRecall.mock.calls.map(([event]) => (event as GroupRecallEvent).messages[0].msgSeq);
    expect(seqsCalled.sort()).toEqual(
      [failing.MsgSeqList[0].MsgSeq, failing.MsgSeqList[0].MsgSeq, body.MsgSeqList[0].MsgSeq].sort(),
    );
  });

  it('processes the event when the store fails, and tells onError with the event', async () => {
    const failure = new Error('store unreachable');
    const store: DedupeStore = { claim: () => Promise.reject(failure), release: jest.fn() };
    const onRecall = jest.fn();
    app = await startApp({ onRecall, onError, dedupe: { store } });
    const body = createRecallEvent();
    expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(2);
    expect(errors).toHaveLength(2);
    expect(errors[0].error).toBe(failure);
    expect(errors[0].context.stage).toBe('dedupe');
    expect(errors[0].context.event).toMatchObject({ groupId: body.GroupId });
  });

  it('processes the event when the store throws synchronously, even without onError', async () => {
    const store: DedupeStore = {
      claim: () => {
        throw new Error('not connected');
      },
      release: jest.fn(),
    };
    const onRecall = jest.fn();
    app = await startApp({ onRecall, dedupe: { store } });
    expect(await deliver(app.url, createRecallEvent())).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(1);
  });

  it('stops waiting for a store that does not answer, processes the event and answers within the deadline', async () => {
    const store: DedupeStore = { claim: never, release: never };
    const onRecall = jest.fn();
    app = await startApp({ onRecall, onError, dedupe: { store, timeoutMs: 100 } });
    expect(await deliver(app.url, createRecallEvent())).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(errors).toHaveLength(1);
    expect(errors[0].error).toBeInstanceOf(DedupeStoreTimeoutError);
    expect(errors[0].error).toMatchObject({ operation: 'claim', timeoutMs: 100 });
  });

  it('waits for the claim no longer than what is left of timeoutMs', async () => {
    const store: DedupeStore = { claim: never, release: never };
    const onRecall = jest.fn();
    app = await startApp({ onRecall, onError, timeoutMs: 150, dedupe: { store, timeoutMs: 1000 } });
    expect(await deliver(app.url, createRecallEvent())).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(errors[0].error).toMatchObject({ operation: 'claim' });
    expect((errors[0].error as DedupeStoreTimeoutError).timeoutMs).toBeLessThanOrEqual(150);
  });

  it('still answers FAIL within the deadline when both onRecall and the store fail', async () => {
    const store: DedupeStore = { claim: async () => true, release: () => Promise.reject(new Error('gone')) };
    app = await startApp({
      onRecall: () => Promise.reject(new Error('boom')),
      onError,
      dedupe: { store },
    });
    expect(await deliver(app.url, createRecallEvent())).toEqual({ status: 500, actionStatus: 'FAIL' });
    expect(errors.map(({ context }) => context.stage)).toEqual(['callback', 'dedupe']);
  });

  it('releases a claim that lands after its timeout once onRecall has failed, and only then', async () => {
    const landed = gate();
    const released: string[] = [];
    const store: DedupeStore = {
      claim: () => landed.opened.then(() => true),
      release: async (key) => void released.push(key),
    };
    app = await startApp({
      onRecall: () => Promise.reject(new Error('boom')),
      onError,
      dedupe: { store, timeoutMs: 50 },
    });
    const body = createRecallEvent();
    expect(await deliver(app.url, body)).toEqual({ status: 500, actionStatus: 'FAIL' });
    expect(released).toEqual([]);
    expect(errors.map(({ error }) => (error as DedupeStoreTimeoutError).operation ?? 'onRecall')).toEqual([
      'claim',
      'onRecall',
      'release',
    ]);
    landed.open();
    await waitFor(() => released.length === 1);
    expect(released).toEqual([dedupeKey(eventOf(body))]);
  });

  it('does not release a key it never held when the claim failed', async () => {
    const release = jest.fn();
    const store: DedupeStore = { claim: () => Promise.reject(new Error('down')), release };
    app = await startApp({ onRecall: () => Promise.reject(new Error('boom')), onError, dedupe: { store } });
    expect(await deliver(app.url, createRecallEvent())).toEqual({ status: 500, actionStatus: 'FAIL' });
    expect(release).not.toHaveBeenCalled();
    expect(errors.map(({ context }) => context.stage)).toEqual(['dedupe', 'callback']);
  });
});

describe('dedupe in the Fetch handler', () => {
  it('calls onRecall once for two copies', async () => {
    const onRecall = jest.fn();
    const handler = createRecallHandler({ sdkAppId: DEMO_SDK_APP_ID, onRecall, dedupe: { store: memoryStore() } });
    const body = createRecallEvent();
    const answers = await Promise.all([handler(fetchRequest(body)), handler(fetchRequest(body))]);
    expect(answers.map((answer) => answer?.status)).toEqual([200, 200]);
    expect(onRecall).toHaveBeenCalledTimes(1);
  });
});
