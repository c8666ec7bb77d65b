import { createClient, type RedisClientType } from 'redis';
import { dedupeKey, redisStore, type ErrorContext, type GroupRecallEvent } from '../../lib/entries';
import { toC2CRecallEvent } from '../../lib/protocol/c2c-event';
import { toGroupRecallEvent } from '../../lib/protocol/group-event';
import { createC2CRecallEvent, createRecallEvent, DEMO_SDK_APP_ID } from '../../lib/testing/index';
import type { GroupRecallCallbackBody } from '../../lib/protocol/types';
import { deliver, gate, startApp, waitFor, type RunningApp } from '../support/deliveries';
import { REDIS_INSTALL_HINT, redisServerInstalled, TestRedisServer } from '../support/redis-server';

const installed = redisServerInstalled();
if (!installed) {
  if (process.env.REQUIRE_REDIS === '1') {
    test('redis-server is installed (REQUIRE_REDIS=1)', () => {
      throw new Error(`redis-server is not on the PATH; ${REDIS_INSTALL_HINT}`);
    });
  } else {
    console.warn(
      `Redis suite SKIPPED: redis-server is not installed; ${REDIS_INSTALL_HINT} and run npm test again ` +
        '(REQUIRE_REDIS=1 turns this skip into a failure).',
    );
  }
}
const describeWithRedis = installed ? describe : describe.skip;

function keyOf(body: GroupRecallCallbackBody): string {
  return dedupeKey(toGroupRecallEvent(body, { sdkAppId: String(DEMO_SDK_APP_ID) }));
}

function seqOf(event: GroupRecallEvent): number {
  return event.messages[0].msgSeq;
}

async function connect(server: TestRedisServer): Promise<RedisClientType> {
  const client: RedisClientType = createClient({ url: server.url });
  // Once the server is stopped the client reports each failed reconnect here; the store's
  // callers hear of failures through onError instead.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

describeWithRedis('dedupe with a real Redis', () => {
  let server: TestRedisServer;
  let clients: RedisClientType[] = [];
  let apps: RunningApp[] = [];
  let storeFailures: unknown[] = [];

  /**
   * Two app instances, each with its own Redis connection, sharing one Redis. The store gets a
   * generous timeout: on a loaded test machine a claim slower than the default 200 ms would be
   * processed unguarded, by design, and that is tested separately below.
   */
  async function twoInstances(
    options: Omit<Parameters<typeof startApp>[0], 'dedupe' | 'onError'>,
  ): Promise<[string, string]> {
    const onError = (error: unknown, context: ErrorContext<unknown>) => {
      if (context.stage === 'dedupe') storeFailures.push(error);
    };
    apps = await Promise.all(
      clients.map((client) =>
        startApp({ timeoutMs: 900, ...options, onError, dedupe: { store: redisStore(client), timeoutMs: 1000 } }),
      ),
    );
    return [apps[0].url, apps[1].url];
  }

  beforeAll(async () => {
    server = await TestRedisServer.start();
  });

  afterAll(async () => {
    await server?.stop();
  });

  beforeEach(async () => {
    clients = [await connect(server), await connect(server)];
    await clients[0].flushAll();
    storeFailures = [];
  });

  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
    for (const client of clients) client.destroy();
    expect(storeFailures).toEqual([]);
  });

  it('claims with SET NX PX and releases with DEL', async () => {
    const store = redisStore(clients[0]);
    expect(await store.claim('k', 60_000)).toBe(true);
    expect(await store.claim('k', 60_000)).toBe(false);
    const ttl = await clients[1].pTTL('k');
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await store.release('k');
    expect(await clients[1].exists('k')).toBe(0);
    expect(await store.claim('k', 60_000)).toBe(true);
  });

  it('lets a claim expire after its TTL', async () => {
    const store = redisStore(clients[0]);
    expect(await store.claim('short', 50)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await store.claim('short', 50)).toBe(true);
  });

  it('runs onRecall exactly once for 100 concurrent copies split between two instances', async () => {
    const onRecall = jest.fn(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const urls = await twoInstances({ onRecall });
    const body = createRecallEvent();
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => deliver(urls[i % 2], body)));
    expect(answers.filter((answer) => answer.status === 200 && answer.actionStatus === 'OK')).toHaveLength(100);
    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(await clients[0].exists(keyOf(body))).toBe(1);
  });

  it('runs onC2CRecall exactly once for 20 concurrent copies of a one-to-one recall split between two instances', async () => {
    const onRecall = jest.fn();
    const onC2CRecall = jest.fn(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const urls = await twoInstances({ onRecall, onC2CRecall });
    const body = createC2CRecallEvent();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => deliver(urls[i % 2], body)));
    expect(answers.filter((answer) => answer.status === 200 && answer.actionStatus === 'OK')).toHaveLength(20);
    expect(onC2CRecall).toHaveBeenCalledTimes(1);
    expect(onRecall).not.toHaveBeenCalled();
    const key = dedupeKey(toC2CRecallEvent(body, { sdkAppId: String(DEMO_SDK_APP_ID) }));
    expect(await clients[0].exists(key)).toBe(1);
  });

  it('runs onRecall exactly 50 times for 50 distinct recalls each delivered twice, once to each instance', async () => {
    const onRecall = jest.fn();
    const urls = await twoInstances({ onRecall });
    const bodies = Array.from({ length: 50 }, () => createRecallEvent());
    const deliveries = bodies.flatMap((body, i) => [deliver(urls[i % 2], body), deliver(urls[(i + 1) % 2], body)]);
    const answers = await Promise.all(deliveries);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(onRecall).toHaveBeenCalledTimes(50);
    const seqsCalled = new Set(onRecall.mock.calls.map(([event]) => seqOf(event)));
    expect(seqsCalled).toEqual(new Set(bodies.map((body) => body.MsgSeqList[0].MsgSeq)));
  });

  it('answers a copy on the other instance with OK while the first is still running', async () => {
    const first = gate();
    const onRecall = jest.fn(() => first.opened);
    const [a, b] = await twoInstances({ onRecall });
    const body = createRecallEvent();
    const firstAnswer = deliver(a, body);
    await waitFor(() => onRecall.mock.calls.length === 1);
    expect(await deliver(b, body)).toEqual({ status: 200, actionStatus: 'OK' });
    first.open();
    expect(await firstAnswer).toEqual({ status: 200, actionStatus: 'OK' });
    expect(await deliver(b, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(1);
  });

  it('deletes the key when onRecall fails, so the other instance processes a later copy', async () => {
    const onRecall = jest.fn().mockRejectedValueOnce(new Error('push service down'));
    const [a, b] = await twoInstances({ onRecall });
    const body = createRecallEvent();
    expect(await deliver(a, body)).toEqual({ status: 500, actionStatus: 'FAIL' });
    expect(await clients[0].exists(keyOf(body))).toBe(0);
    expect(await deliver(b, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(onRecall).toHaveBeenCalledTimes(2);
    expect(await clients[0].exists(keyOf(body))).toBe(1);
  });
});

describeWithRedis('dedupe when Redis stops mid-run', () => {
  it('answers every request within the deadline and processes every recall', async () => {
    const server = await TestRedisServer.start();
    const clients = [await connect(server), await connect(server)];
    const errors: Array<{ error: unknown; context: ErrorContext<unknown> }> = [];
    const onRecall = jest.fn((_event: GroupRecallEvent) => new Promise((resolve) => setTimeout(resolve, 10)));
    const options = {
      onRecall,
      onError: (error: unknown, context: ErrorContext<unknown>) => errors.push({ error, context }),
    };
    const apps = [
      await startApp({ ...options, dedupe: { store: redisStore(clients[0]) } }),
      await startApp({ ...options, dedupe: { store: redisStore(clients[1]) } }),
    ];
    try {
      const bodies = Array.from({ length: 40 }, () => createRecallEvent());
      const deliveries: Array<Promise<unknown>> = [];
      for (const [i, body] of bodies.entries()) {
        // Earlier deliveries may still be in flight while the server goes away.
        if (i === 15) await server.stop();
        deliveries.push(deliver(apps[i % 2].url, body));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // deliver() rejects when an answer takes longer than Tencent's deadline.
      const answers = await Promise.all(deliveries);
      expect(answers).toEqual(bodies.map(() => ({ status: 200, actionStatus: 'OK' })));
      const seqsCalled = onRecall.mock.calls.map(([event]) => seqOf(event));
      expect(new Set(seqsCalled)).toEqual(new Set(bodies.map((body) => body.MsgSeqList[0].MsgSeq)));
      expect(seqsCalled).toHaveLength(40);
      expect(errors.length).toBeGreaterThanOrEqual(25);
      expect(errors.every(({ context }) => context.stage === 'dedupe')).toBe(true);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      for (const client of clients) client.destroy();
      await server.stop();
    }
  });
});
