/**
 * reconcileRecalls end to end on the fake Tencent Chat server: recalls missed while the receiver
 * was down are delivered once, to inline handlers and through a real Redis queue to a real worker;
 * a second pass and a pass after a receiver that was up deliver nothing again.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionOptions, Queue, Worker } from 'bullmq';
import { createClient, type RedisClientType } from 'redis';
import { createRecallWorker } from '../../lib/durable/worker';
import { memoryStore } from '../../lib/delivery/memory-store';
import { redisStore } from '../../lib/delivery/redis-store';
import { EnqueueFailedError } from '../../lib/protocol/errors';
import { ChatApiError } from '../../lib/reconcile/chat-api-client';
import { GROUP_NO_PERMISSION, GROUP_NOT_FOUND } from '../../lib/protocol/chat-api-error-codes';
import {
  C2C_HISTORY_COMMAND,
  DEFAULT_QUEUE_TIMEOUT_MS,
  GROUP_HISTORY_COMMAND,
  reconcileRecalls,
  type ReconcileOptions,
  type ReconcileReport,
} from '../../lib/reconcile/reconcile';
import type {
  AnyRecallEvent,
  ReconciledC2CRecallEvent,
  ReconciledGroupRecallEvent,
  RecallEvent,
} from '../../lib/protocol/types';
import { describeWithRedis, openQueue, startRedisBackend, uniqueQueueName, type Backend } from '../support/bullmq';
import { waitFor } from '../support/deliveries';
import type { TestRedisServer } from '../support/redis-server';
import {
  filledFakeApp,
  fillScenario,
  passOver,
  recallId,
  startFakeApp,
  startReceiver,
  type FakeApp,
  type Scenario,
} from './scenario';

jest.setTimeout(60_000);

/** Handlers that record what they are handed. */
function recorder() {
  const events: AnyRecallEvent[] = [];
  return {
    events,
    ids: () => events.map(recallId).sort(),
    handlers: {
      onRecall: (event: ReconciledGroupRecallEvent) => void events.push(event),
      onC2CRecall: (event: ReconciledC2CRecallEvent) => void events.push(event),
    },
  };
}

describe('reconcileRecalls with the receiver down', () => {
  const filled = filledFakeApp();

  const pass = (options: Partial<ReconcileOptions>) => passOver(filled.app, filled.scenario, options);

  it('the webhooks went nowhere', () => {
    expect(filled.app.fake.webhookDeliveries.length).toBeGreaterThan(filled.scenario.expected.length);
    expect(filled.app.fake.webhookDeliveries.every((delivery) => !delivery.delivered)).toBe(true);
  });

  it('delivers every missed recall once to the inline handlers, and a second pass delivers nothing', async () => {
    const store = memoryStore();
    const first = recorder();
    const report = await pass({ ...first.handlers, dedupe: { store } });
    expect(first.ids()).toEqual(filled.scenario.expected);
    expect(report).toMatchObject({
      scanned: { groups: 4, conversations: 1 },
      found: { group: 5, c2c: 4 },
      delivered: 9,
      duplicates: 0,
    });
    expect(report.recalls.map((found) => found.outcome)).toEqual(Array(9).fill('ok'));

    const second = recorder();
    const again = await pass({ ...second.handlers, dedupe: { store } });
    expect(second.events).toEqual([]);
    expect(again).toMatchObject({ found: { group: 5, c2c: 4 }, delivered: 0, duplicates: 9 });
  });

  it('runs inside the reconcile TracingChannel, which hears of the app and the recalls delivered', async () => {
    const seen: Array<{ event: string; context: Record<string, unknown> }> = [];
    const record = (event: string) => (context: object) =>
      void seen.push({ event, context: { ...(context as Record<string, unknown>) } });
    const subscribers = { start: record('start'), asyncEnd: record('asyncEnd') };
    const channel = tracingChannel('tencent-chat-recall-webhook:reconcile');
    channel.subscribe(subscribers as never);
    try {
      const first = recorder();
      await pass({ ...first.handlers });
    } finally {
      channel.unsubscribe(subscribers as never);
    }
    expect(seen.map((entry) => entry.event)).toEqual(['start', 'asyncEnd']);
    expect(seen[0].context).toEqual({ sdkAppId: String(filled.app.client.sdkAppId) });
    expect(seen[1].context).toMatchObject({ outcome: 'ok', recovered: 9 });
  });

  it('reports the missing group and the AVChatRoom with their ErrorCodes and goes on', async () => {
    const report = await pass(recorder().handlers);
    expect(report.failed).toHaveLength(2);
    const byGroup = new Map(
      report.failed.map((failure) => [(failure.conversation as { groupId: string }).groupId, failure]),
    );
    expect(byGroup.get(filled.scenario.missingGroup)?.error).toEqual(expect.any(ChatApiError));
    expect((byGroup.get(filled.scenario.missingGroup)?.error as ChatApiError).code).toBe(GROUP_NOT_FOUND);
    expect((byGroup.get(filled.scenario.avChatRoom)?.error as ChatApiError).code).toBe(GROUP_NO_PERMISSION);
    expect(byGroup.get(filled.scenario.avChatRoom)?.reason).toMatch(/AVChatRoom/);
    expect(report.found).toEqual({ group: 5, c2c: 4 });
  });

  it('gives reconciled events the facts history knows and none it does not', async () => {
    const seen = recorder();
    await pass(seen.handlers);
    const group = seen.events.find((event) => event.callbackCommand === 'Group.CallbackAfterRecallMsg');
    expect(group).toEqual({
      callbackCommand: 'Group.CallbackAfterRecallMsg',
      source: 'reconciliation',
      sdkAppId: String(filled.app.client.sdkAppId),
      groupId: expect.any(String),
      ...(group?.topicId !== undefined && { topicId: group.topicId }),
      messages: [{ msgSeq: expect.any(Number) }],
      senderAccount: expect.any(String),
      sentTime: expect.any(Number),
      raw: expect.objectContaining({ IsPlaceMsg: 2 }),
    });
    const c2c = seen.events.find((event) => event.callbackCommand === 'C2C.CallbackAfterMsgWithDraw');
    expect(Object.keys(c2c ?? {}).sort()).toEqual(
      ['callbackCommand', 'source', 'sdkAppId', 'fromAccount', 'toAccount', 'msgKey', 'sentTime', 'raw'].sort(),
    );
    expect(c2c?.raw).toMatchObject({ MsgFlagBits: 8 });
  });

  it('reads an old group in one call and a busy group until the window starts', async () => {
    const before = filled.app.fake.calls.length;
    const report = await pass({
      ...recorder().handlers,
      groups: [filled.scenario.oldGroup, filled.scenario.busyGroup],
      conversations: [],
    });
    const calls = filled.app.fake.calls.slice(before);
    const historyCallsOf = (groupId: string) =>
      calls.filter(
        (call) => call.command === GROUP_HISTORY_COMMAND && (call.body as { GroupId: string }).GroupId === groupId,
      );
    expect(historyCallsOf(filled.scenario.oldGroup)).toHaveLength(1);
    // 52 messages: the window's 50 and one a day old, found on the third page of 20.
    expect(historyCallsOf(filled.scenario.busyGroup)).toHaveLength(3);
    expect(report.calls).toBe(4);
  });

  it('pages one-to-one history with LastMsgKey and reads both directions from one side', async () => {
    const before = filled.app.fake.calls.length;
    const seen = recorder();
    await pass({ ...seen.handlers, groups: [] });
    const calls = filled.app.fake.calls.slice(before).filter((call) => call.command === C2C_HISTORY_COMMAND);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.slice(1).every((call) => typeof (call.body as { LastMsgKey?: unknown }).LastMsgKey === 'string')).toBe(
      true,
    );
    const directions = new Set(seen.events.map((event) => (event as ReconciledC2CRecallEvent).fromAccount));
    expect(directions).toEqual(new Set(['alice', 'bob']));
  });

  it('does not report a recalled message that history reports expired, whatever the window', async () => {
    const seen = recorder();
    const report = await pass({ ...seen.handlers, since: Date.now() - 10 * 24 * 60 * 60 * 1000 });
    // The wider window adds the old group's recall of a day ago; the nine-day-old one has expired.
    const extra = seen.ids().filter((id) => !filled.scenario.expected.includes(id));
    expect(extra).toEqual([expect.stringContaining(filled.scenario.oldGroup)]);
    expect(report.found.group).toBe(6);
  });

  it('takes groups and conversations from async iterables', async () => {
    async function* lazily<T>(items: readonly T[]): AsyncGenerator<T> {
      for (const item of items) yield item;
    }
    const seen = recorder();
    await pass({
      ...seen.handlers,
      groups: lazily(filled.scenario.groups),
      conversations: lazily(filled.scenario.conversations),
    });
    expect(seen.ids()).toEqual(filled.scenario.expected);
  });

  it('reports a handler failure and delivers the recall on the next pass', async () => {
    const store = memoryStore();
    let failOnce = true;
    const seen = recorder();
    const report = await pass({
      groups: [filled.scenario.busyGroup],
      conversations: undefined,
      dedupe: { store },
      onRecall: (event) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('archive down');
        }
        seen.handlers.onRecall(event);
      },
    });
    expect(report.failed).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('archive down'), event: expect.any(Object) }),
    ]);
    expect(seen.events).toHaveLength(2);
    const retry = await pass({
      groups: [filled.scenario.busyGroup],
      conversations: undefined,
      dedupe: { store },
      ...seen.handlers,
    });
    expect(retry.delivered).toBe(1);
    expect(seen.events).toHaveLength(3);
  });

  it('reads a group answer that leaves its list out as the end, and fails a one-to-one page that is not complete and gives nothing to go on', async () => {
    const { fake } = filled.app;
    const ok = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' };
    fake.injectFault({ command: GROUP_HISTORY_COMMAND, rawBody: JSON.stringify(ok) });
    // A recalled message from long before the window, as a server that ignored MinTime would answer.
    const stale = { From_Account: 'alice', To_Account: 'bob', MsgKey: '1_2_3', MsgFlagBits: 8 | 2, MsgTimeStamp: 3 };
    fake.injectFault({
      command: C2C_HISTORY_COMMAND,
      rawBody: JSON.stringify({ ...ok, Complete: 0, MsgList: [stale] }),
    });
    fake.injectFault({ command: C2C_HISTORY_COMMAND, rawBody: JSON.stringify(ok) });
    const seen = recorder();
    const groupsOnly = await pass({ ...seen.handlers, groups: [filled.scenario.busyGroup], conversations: undefined });
    const pairsOnly = await pass({ ...seen.handlers, groups: undefined });
    const pairsAgain = await pass({ ...seen.handlers, groups: undefined });
    expect(seen.events).toEqual([]);
    expect([groupsOnly, pairsOnly, pairsAgain].map((report) => [report.scanned, report.calls])).toEqual([
      [{ groups: 1, conversations: 0 }, 1],
      [{ groups: 0, conversations: 0 }, 1],
      [{ groups: 0, conversations: 0 }, 1],
    ]);
    for (const report of [pairsOnly, pairsAgain]) {
      expect(report.failed.map((failure) => failure.reason)).toEqual([
        'the answer is not Complete but gives no messages or no LastMsgKey to continue from',
      ]);
    }
  });

  it('reports a one-to-one conversation whose history cannot be read, and goes on', async () => {
    filled.app.fake.injectFault({ command: C2C_HISTORY_COMMAND, errorCode: 70001, errorInfo: 'UserSig expired' });
    const seen = recorder();
    const report = await pass({
      ...seen.handlers,
      groups: undefined,
      conversations: [
        { account: 'alice', peer: 'bob' },
        { account: 'bob', peer: 'alice' },
      ],
    });
    expect(report.failed).toEqual([
      expect.objectContaining({
        conversation: { kind: 'c2c', account: 'alice', peer: 'bob' },
        reason: 'openim/admin_getroammsg failed: ErrorCode 70001: UserSig expired',
      }),
    ]);
    expect(report.scanned.conversations).toBe(1);
    expect(seen.events).toHaveLength(4);
  });

  it('delivers anyway when the dedupe store fails, and says so through log', async () => {
    const warnings: string[] = [];
    const seen = recorder();
    const broken = { claim: () => Promise.reject(new Error('store down')), release: () => Promise.resolve() };
    const report = await pass({
      ...seen.handlers,
      groups: [filled.scenario.busyGroup],
      conversations: undefined,
      dedupe: { store: broken },
      log: { warn: (line) => void warnings.push(line) },
    });
    expect(report.delivered).toBe(3);
    expect(seen.events).toHaveLength(3);
    expect(warnings).toEqual(Array(3).fill(expect.stringContaining('store down')));
  });

  it('stops paging a group whose history does not go back', async () => {
    const { fake } = filled.app;
    const page = {
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      RspMsgList: [{ From_Account: 'alice', IsPlaceMsg: 2, MsgSeq: 50, MsgTimeStamp: Math.floor(Date.now() / 1000) }],
    };
    fake.injectFault({ command: GROUP_HISTORY_COMMAND, rawBody: JSON.stringify(page), times: 2 });
    const seen = recorder();
    const report = await pass({ ...seen.handlers, groups: ['@TGS#stuck'], conversations: undefined });
    expect(report.calls).toBe(2);
    expect(seen.ids()).toEqual(['group @TGS#stuck/ 50']);
  });

  it('says what a handler threw even when it is not an Error', async () => {
    const report = await pass({
      groups: [filled.scenario.busyGroup],
      conversations: undefined,
      onRecall: () => {
        throw 'archive says no';
      },
    });
    expect(report.failed.map((failure) => failure.reason)).toEqual(
      Array(3).fill('the recall handler failed: archive says no'),
    );
  });

  it('rejects options it cannot run with, naming them', async () => {
    await expect(pass({ onRecall: undefined, onC2CRecall: undefined })).rejects.toThrow(TypeError);
    await expect(pass({ onC2CRecall: undefined, onRecall: () => undefined })).rejects.toThrow(
      /"conversations" needs "onC2CRecall" or "queue"/,
    );
    await expect(pass({ ...recorder().handlers, groups: 'not-a-list' as never })).rejects.toThrow(/"groups"/);
    // No history marks an Official Account recall: a handler for them would never be called.
    await expect(pass({ ...recorder().handlers, onOfficialAccountRecall: () => undefined } as never)).rejects.toThrow(
      /"onOfficialAccountRecall" is never called: reconciliation finds no recalls of its command/,
    );
    await expect(pass({ ...recorder().handlers, until: filled.scenario.since - 1 })).rejects.toThrow(
      /"until" is before "since"/,
    );
    await expect(pass({ ...recorder().handlers, conversations: [{ account: 'alice' } as never] })).rejects.toThrow(
      /a conversation must be \{ account, peer \}/,
    );
    await expect(pass({ ...recorder().handlers, groups: [{ id: 'x' } as never] })).rejects.toThrow(
      /GroupId or \{ groupId/,
    );
    await expect(pass({ ...recorder().handlers, queueTimeoutMs: 0 })).rejects.toThrow(
      /invalid options: "queueTimeoutMs" must be greater than or equal to 1/,
    );
    await expect(pass({ ...recorder().handlers, queueTimeoutMs: 2 ** 31 })).rejects.toThrow(
      /"queueTimeoutMs" must be at most 2147483647 ms \(about 24.8 days, the longest a timer can wait\)/,
    );
  });
});

describeWithRedis('reconcileRecalls through a Redis queue to createRecallWorker', () => {
  let backend: Backend;
  let app: FakeApp;
  let scenario: Scenario;
  let queueName: string;
  let queue: Queue;
  let worker: Worker | undefined;
  const processed: AnyRecallEvent[] = [];

  beforeAll(async () => {
    backend = await startRedisBackend();
  });
  afterAll(() => backend.stop());
  beforeEach(async () => {
    app = await startFakeApp();
    queueName = uniqueQueueName();
    queue = openQueue(backend, queueName);
    processed.length = 0;
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await queue.close();
    await app.close();
  });

  function startWorker(): void {
    const record = (event: AnyRecallEvent) => void processed.push(event);
    const connection = backend.workerConnection() as ConnectionOptions;
    worker = createRecallWorker(queueName, record, { connection, onC2CRecall: record }) as unknown as Worker;
  }

  /** One more recall, found by a pass, processed after anything queued before it. */
  async function sentinelPass(): Promise<string> {
    const groupId = app.fake.createGroup();
    const { msgSeq } = app.fake.sendGroupMessage({ groupId, from: 'zoe' });
    await app.fake.recallGroupMessage({ groupId, msgSeq });
    await reconcileRecalls({ client: app.client, since: scenario.since, groups: [groupId], queue });
    return `group ${groupId}/ ${msgSeq}`;
  }

  it('queues every missed recall once for the worker, and a second pass queues nothing', async () => {
    scenario = await fillScenario(app);
    startWorker();
    const report = await passOver(app, scenario, { queue });
    expect(report.recalls.map((found) => found.outcome)).toEqual(Array(9).fill('queued'));
    await waitFor(() => processed.length >= scenario.expected.length, 10_000);
    expect(processed.map(recallId).sort()).toEqual(scenario.expected);
    expect(processed.every((event) => event.source === 'reconciliation')).toBe(true);

    await passOver(app, scenario, { queue });
    const sentinel = await sentinelPass();
    await waitFor(() => processed.some((event) => recallId(event) === sentinel), 10_000);
    expect(processed.map(recallId).sort()).toEqual([...scenario.expected, sentinel].sort());
  });

  it('with the receiver up on the same queue, a pass queues nothing the webhook queued', async () => {
    const receiver = await startReceiver({ queue });
    try {
      app.fake.setCallbackUrl(receiver.url);
      scenario = await fillScenario(app);
      const delivered = app.fake.webhookDeliveries.filter((delivery) => delivery.delivered);
      expect(delivered.length).toBe(app.fake.webhookDeliveries.length);
      startWorker();
      await waitFor(() => processed.length >= scenario.expected.length + 3, 10_000);
      const fromWebhook = processed.length;
      expect(processed.every((event) => event.source === 'webhook')).toBe(true);

      const report = await passOver(app, scenario, { queue });
      expect(report.found).toEqual({ group: 5, c2c: 4 });
      const sentinel = await sentinelPass();
      await waitFor(() => processed.some((event) => recallId(event) === sentinel), 10_000);
      expect(processed).toHaveLength(fromWebhook + 1);
    } finally {
      await receiver.close();
    }
  });
});

describeWithRedis('reconcileRecalls with the Redis of its queue hung', () => {
  const QUEUE_TIMEOUT_MS = 300;
  /** How much longer than its limits a pass may take on a loaded machine before it counts as hung. */
  const SLACK_MS = 3000;
  let backend: Backend & { server: TestRedisServer };
  let app: FakeApp;
  let groupId: string;
  let queue: Queue;

  beforeAll(async () => {
    backend = await startRedisBackend();
    app = await startFakeApp();
    groupId = app.fake.createGroup();
    const { msgSeq } = app.fake.sendGroupMessage({ groupId, from: 'alice' });
    await app.fake.recallGroupMessage({ groupId, msgSeq });
  });
  afterAll(async () => {
    await app.close();
    await backend.stop();
  });
  beforeEach(async () => {
    queue = openQueue(backend, uniqueQueueName());
    await queue.waitUntilReady();
    backend.server.pause();
  });
  afterEach(async () => {
    // A pass that hung goes on once Redis answers again.
    backend.server.resume();
    await queue.close();
  });

  /** The pass's report and how long it took; rejects if it has not finished within `limitMs`. */
  async function passWithin(
    limitMs: number,
    options: Partial<ReconcileOptions>,
  ): Promise<{ report: ReconcileReport; elapsedMs: number }> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the pass hung: still running after ${limitMs} ms`)), limitMs);
    });
    const passing = reconcileRecalls({
      client: app.client,
      since: Date.now() - 60_000,
      groups: [groupId],
      queue,
      ...options,
    });
    try {
      const report = await Promise.race([passing, hung]);
      return { report, elapsedMs: performance.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  it('gives up the add after queueTimeoutMs and reports the recall failed', async () => {
    const { report, elapsedMs } = await passWithin(QUEUE_TIMEOUT_MS + SLACK_MS, { queueTimeoutMs: QUEUE_TIMEOUT_MS });
    expect(elapsedMs).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS - 1);
    expect(report.recalls.map((found) => found.outcome)).toEqual(['failed']);
    expect(report.failed).toEqual([
      {
        conversation: { kind: 'group', groupId },
        event: expect.objectContaining({ groupId }),
        error: expect.any(EnqueueFailedError),
        reason: `the recall could not be queued: the queue did not acknowledge the job within ${QUEUE_TIMEOUT_MS} ms`,
        permanent: false,
      },
    ]);
    expect(report.delivered).toBe(0);
  });

  it('gives up the add after 10 s by default', async () => {
    const { report } = await passWithin(DEFAULT_QUEUE_TIMEOUT_MS + SLACK_MS, {});
    expect(report.failed.map((failure) => failure.reason)).toEqual([
      `the recall could not be queued: the queue did not acknowledge the job within ${DEFAULT_QUEUE_TIMEOUT_MS} ms`,
    ]);
  });

  it('hands the recall to its handler, and waits for the handler past queueTimeoutMs', async () => {
    // The dedupe store is on the hung Redis too (connected while it answers): dedupe.timeoutMs bounds each claim.
    const storeClient: RedisClientType = createClient({ url: backend.server.url });
    storeClient.on('error', () => undefined);
    backend.server.resume();
    await storeClient.connect();
    backend.server.pause();
    const handlerMs = 2 * QUEUE_TIMEOUT_MS;
    const handled: string[] = [];
    const warnings: string[] = [];
    try {
      const { report, elapsedMs } = await passWithin(QUEUE_TIMEOUT_MS + 200 + handlerMs + SLACK_MS, {
        queueTimeoutMs: QUEUE_TIMEOUT_MS,
        dedupe: { store: redisStore(storeClient) },
        onRecall: async (event) => {
          await sleep(handlerMs);
          handled.push(event.groupId);
        },
        log: { warn: (line) => void warnings.push(line) },
      });
      expect(handled).toEqual([groupId]);
      expect(elapsedMs).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS + handlerMs - 1);
      expect(report).toMatchObject({ delivered: 1, failed: [], recalls: [{ outcome: 'ok' }] });
      expect(warnings).toEqual([
        expect.stringMatching(
          /: the queue did not take .* \(the queue did not acknowledge the job within 300 ms\): processing it inline$/,
        ),
        expect.stringContaining(
          'the dedupe store failed; delivering anyway: the dedupe store did not answer claim within 200 ms',
        ),
      ]);
    } finally {
      backend.server.resume();
      storeClient.destroy();
    }
  });
});

describe('reconcileRecalls with the receiver up, sharing its dedupe store', () => {
  it('re-delivers nothing the webhook delivered', async () => {
    const app = await startFakeApp();
    const store = memoryStore();
    const fromWebhook: RecallEvent[] = [];
    const receiver = await startReceiver({
      dedupe: { store },
      onRecall: (event) => void fromWebhook.push(event),
      onC2CRecall: (event) => void fromWebhook.push(event),
    });
    try {
      app.fake.setCallbackUrl(receiver.url);
      const scenario = await fillScenario(app);
      expect(fromWebhook.map(recallId)).toEqual(expect.arrayContaining(scenario.expected));
      const seen = recorder();
      const report = await passOver(app, scenario, { dedupe: { store }, ...seen.handlers });
      expect(seen.events).toEqual([]);
      expect(report).toMatchObject({ found: { group: 5, c2c: 4 }, delivered: 0, duplicates: 9 });
    } finally {
      await receiver.close();
      await app.close();
    }
  });
});
