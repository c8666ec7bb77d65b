/**
 * Dedupe keys have a small fixed size whatever the sender puts in the body: a forged recall (no
 * token, the default) with a 50 kB GroupId must not cost 50 kB per key in Redis or in memory.
 */
import { createClient, type RedisClientType } from 'redis';
import {
  C2C_RECALL_COMMAND,
  dedupeKey,
  memoryStore,
  redisStore,
  type DedupeStore,
  type GroupRecallEvent,
  type RecallEvent,
  type RecallJobOptions,
} from '../../lib/entries';
import { createCallbackQuery, createRecallEvent, DEMO_SDK_APP_ID } from '../../lib/testing/index';
import { deliver, startApp, type RunningApp } from '../support/deliveries';
import { REDIS_INSTALL_HINT, redisServerInstalled, TestRedisServer } from '../support/redis-server';

const PREFIX = 'tencent-chat-recall-webhook:recall:';
/** Compared by shape and length, so a failure does not print 50 kB keys. */
const isFixedSizeKey = (key: string) =>
  key.length === PREFIX.length + 64 && /^[0-9a-f]{64}$/.test(key.slice(PREFIX.length));
const HUGE_ID = 'g'.repeat(50_000);

/** Two forged recalls that differ only in the last character of a 50 kB GroupId. */
function forgedRecalls() {
  const body = createRecallEvent({ Type: 'Public', GroupId: HUGE_ID + 'a' });
  return { body, twin: { ...body, GroupId: HUGE_ID + 'b' } };
}

let app: RunningApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app on `store`, recording the events it processed. */
async function appOn(store: DedupeStore): Promise<{ url: string; events: GroupRecallEvent[] }> {
  const events: GroupRecallEvent[] = [];
  app = await startApp({
    dedupe: { store, timeoutMs: 1000 },
    timeoutMs: 900,
    onRecall: (event) => void events.push(event),
  });
  return { url: app.url, events };
}

/** Delivers the body twice and its twin once; only the first copy and the twin are processed. */
async function deliverForgedRecalls(url: string, events: GroupRecallEvent[]): Promise<void> {
  const { body, twin } = forgedRecalls();
  for (const sent of [body, body, twin]) {
    expect(await deliver(url, sent)).toEqual({ status: 200, actionStatus: 'OK' });
  }
  expect(events.map((event) => event.groupId.slice(-1))).toEqual(['a', 'b']);
}

test('memoryStore: keys of a fixed size for a 50 kB GroupId', async () => {
  const { store, claimed } = recordingMemoryStore();
  const { url, events } = await appOn(store);
  await deliverForgedRecalls(url, events);
  expect(claimed.map((key) => [key.length, isFixedSizeKey(key)])).toEqual(Array(3).fill([PREFIX.length + 64, true]));
  expect([claimed[0] === claimed[1], claimed[2] === claimed[0], claimed[0] === dedupeKey(events[0])]).toEqual([
    true,
    false,
    true,
  ]);
});

/** A store that records every key it is asked to claim, in front of a real memoryStore. */
function recordingMemoryStore(): { store: DedupeStore; claimed: string[] } {
  const inner = memoryStore();
  const claimed: string[] = [];
  return {
    claimed,
    store: {
      claim: (key, ttlMs) => {
        claimed.push(key);
        return inner.claim(key, ttlMs);
      },
      release: (key) => inner.release(key),
    },
  };
}

test('memoryStore: a one-to-one recall with a 50 kB MsgKey gets a key of the same fixed size', async () => {
  const { store, claimed } = recordingMemoryStore();
  const events: RecallEvent[] = [];
  app = await startApp({ dedupe: { store }, onC2CRecall: (event) => void events.push(event) });
  const query = new URLSearchParams(createCallbackQuery(DEMO_SDK_APP_ID, { callbackCommand: C2C_RECALL_COMMAND }));
  const body = { CallbackCommand: C2C_RECALL_COMMAND, From_Account: 'a', To_Account: 'b', MsgKey: HUGE_ID };
  const response = await fetch(`${app.url}?${query}`, { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  expect(claimed.map((key) => [key.length, isFixedSizeKey(key)])).toEqual([[PREFIX.length + 64, true]]);
  expect(claimed[0] === dedupeKey(events[0])).toBe(true);
});

test("queue mode: a forged recall's job deduplication id has a fixed size", async () => {
  const added: Array<RecallJobOptions | undefined> = [];
  app = await startApp({ queue: { add: async (_name, _data, options) => void added.push(options) } });
  const { body, twin } = forgedRecalls();
  for (const sent of [body, twin]) expect(await deliver(app.url, sent)).toEqual({ status: 200, actionStatus: 'OK' });
  const ids = added.map((options) => options?.deduplication?.id ?? '');
  expect(ids.map((id) => [id.length, /^recall-[0-9a-f]{64}$/.test(id)])).toEqual(Array(2).fill([71, true]));
  expect(ids[0] === ids[1]).toBe(false);
});

const describeWithRedis = redisServerInstalled() || process.env.REQUIRE_REDIS === '1' ? describe : describe.skip;
if (!redisServerInstalled()) console.warn(`Redis key-size test SKIPPED: ${REDIS_INSTALL_HINT}`);

describeWithRedis('redisStore', () => {
  let server: TestRedisServer;
  let client: RedisClientType;

  beforeAll(async () => {
    server = await TestRedisServer.start();
    client = createClient({ url: server.url });
    client.on('error', () => undefined);
    await client.connect();
  });

  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  test('a forged recall with a 50 kB GroupId leaves a key of fixed size in Redis', async () => {
    const { url, events } = await appOn(redisStore(client));
    await deliverForgedRecalls(url, events);
    const keys = await client.keys('*');
    expect(keys.map((key) => [key.length, isFixedSizeKey(key)])).toEqual(Array(2).fill([PREFIX.length + 64, true]));
    expect(keys.sort().join() === events.map(dedupeKey).sort().join()).toBe(true);
    // What Redis holds for each key, with its value and overhead: nowhere near the 50 kB the sender wrote.
    for (const key of keys) expect(await client.memoryUsage(key)).toBeLessThan(1024);
  });
});
