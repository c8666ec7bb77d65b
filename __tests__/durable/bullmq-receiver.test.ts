/**
 * Durable mode end to end: `recallWebhook({ queue })` in a real Express app over real HTTP, a
 * BullMQ Queue on a real redis-server or a real PostgreSQL, and createRecallWorker taking the jobs.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, type ConnectionOptions, type Worker } from 'bullmq';
import express from 'express';
import IORedis from 'ioredis';
import {
  C2C_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  recallWebhook,
  type ErrorContext,
  type AnyRecallEvent,
  type RecallEvent,
  type RecallWebhookOptions,
} from '../../lib/entries';
import { createRecallWorker } from '../../lib/durable/worker';
import { createCallbackQuery, createMsgSeqList, createRecallEvent, DEMO_SDK_APP_ID } from '../../lib/testing/index';
import {
  describeWithPostgres,
  describeWithRedis,
  openQueue,
  startPostgresBackend,
  startRedisBackend,
  uniqueQueueName,
  type Backend,
} from '../support/bullmq';
import { TENCENT_DEADLINE_MS } from '../support/deliveries';

// Each suite starts real servers; on a loaded machine that can take longer than Jest's 5 s default.
jest.setTimeout(30_000);

const TOKEN = 'durable-token';

const C2C_BODY = {
  CallbackCommand: C2C_RECALL_COMMAND,
  From_Account: 'jared',
  To_Account: 'Jonh',
  MsgKey: '48374_2837546_1557481126',
  EventTime: 1670574414123,
};

const OFFICIAL_ACCOUNT_BODY = {
  CallbackCommand: OFFICIAL_ACCOUNT_RECALL_COMMAND,
  Official_Account: '#TOA#_123',
  WithdrawMsgList: [{ MsgKey: '71_1_1698741698' }, { MsgKey: '72_1_1698741699' }],
  EventTime: 1670574414123,
};

type Options = Omit<RecallWebhookOptions<express.Request>, 'sdkAppId'>;

interface Receiver {
  url: string;
  close(): Promise<void>;
}

async function startReceiver(options: Options): Promise<Receiver> {
  const app = express();
  app.use('/callback', recallWebhook({ sdkAppId: DEMO_SDK_APP_ID, ...options }));
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

interface Answer {
  status: number;
  actionStatus: string;
}

/** Posts a callback as Tencent would: signed with TOKEN unless told otherwise. */
async function post(
  url: string,
  body: object,
  query: Record<string, string> = createCallbackQuery(DEMO_SDK_APP_ID, {
    token: TOKEN,
    callbackCommand: (body as { CallbackCommand: string }).CallbackCommand,
  }),
): Promise<Answer> {
  const response = await fetch(`${url}?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TENCENT_DEADLINE_MS),
  });
  const text = await response.text();
  return { status: response.status, actionStatus: text.startsWith('{') ? JSON.parse(text).ActionStatus : text };
}

/** The event the inline handlers get for `body`: what the worker must get too. */
async function inlineEvent(body: object): Promise<RecallEvent> {
  const events: RecallEvent[] = [];
  const receiver = await startReceiver({
    token: TOKEN,
    onRecall: (event) => void events.push(event),
    onC2CRecall: (event) => void events.push(event),
    onOfficialAccountRecall: (event) => void events.push(event),
  });
  try {
    expect(await post(receiver.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
  } finally {
    await receiver.close();
  }
  return events[0];
}

async function allJobCount(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

const BACKENDS = [
  { name: 'Redis', describeWith: describeWithRedis, startBackend: startRedisBackend },
  { name: 'PostgreSQL', describeWith: describeWithPostgres, startBackend: startPostgresBackend },
];
for (const { name, describeWith, startBackend } of BACKENDS) {
  describeWith(`recallWebhook({ queue }) on ${name}`, () => receiverSuite(startBackend));
}

function receiverSuite(startBackend: () => Promise<Backend>): void {
  let backend: Backend;
  let queueName: string;
  const closers: Array<() => Promise<unknown>> = [];

  function queue(): Queue {
    const opened = openQueue(backend, queueName);
    closers.push(() => opened.close());
    return opened;
  }

  async function receiver(options: Options): Promise<Receiver> {
    const started = await startReceiver({ token: TOKEN, ...options });
    closers.push(() => started.close());
    return started;
  }

  /** A worker that records every event it is handed. */
  function worker(events: AnyRecallEvent[]): Worker {
    const connection = backend.workerConnection() as ConnectionOptions;
    const record = (event: AnyRecallEvent) => void events.push(event);
    const started = createRecallWorker(
      queueName,
      record,
      { connection, onC2CRecall: record, onOfficialAccountRecall: record },
      backend.factory as never,
    );
    closers.push(() => started.close());
    return started as unknown as Worker;
  }

  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(() => backend.stop());
  beforeEach(() => {
    queueName = uniqueQueueName();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it("answers OK once the job is stored, and the worker gets the inline handler's event", async () => {
    const group = createRecallEvent({ MsgSeqList: createMsgSeqList([7, 8]) });
    const expected = [await inlineEvent(group), await inlineEvent(C2C_BODY), await inlineEvent(OFFICIAL_ACCOUNT_BODY)];
    const jobs = queue();
    const { url } = await receiver({ queue: jobs });
    expect(await post(url, group)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(await post(url, C2C_BODY)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(await post(url, OFFICIAL_ACCOUNT_BODY)).toEqual({ status: 200, actionStatus: 'OK' });
    // The answer came after the add was acknowledged: every job is in the store already.
    expect(await jobs.getWaitingCount()).toBe(3);
    const [groupJob, c2cJob, officialAccountJob] = (await jobs.getWaiting()).sort(
      (a, b) => Number(a.id) - Number(b.id),
    );
    expect(groupJob.opts).toMatchObject({ attempts: 15, backoff: { type: 'exponential', delay: 1000 } });
    expect(c2cJob.name).toBe(C2C_RECALL_COMMAND);
    expect(officialAccountJob.name).toBe(OFFICIAL_ACCOUNT_RECALL_COMMAND);

    const events: RecallEvent[] = [];
    const recalls = worker(events);
    while (events.length < 3) await once(recalls as never, 'completed');
    expect(events).toEqual(expected);
  });

  it.each([
    ['a group recall', () => createRecallEvent()],
    ['an Official Account recall', () => OFFICIAL_ACCOUNT_BODY],
  ])('makes one job of the copies of %s that reach two receivers', async (_kind, makeBody) => {
    const first = await receiver({ queue: queue() });
    const second = await receiver({ queue: queue() });
    const body = makeBody();
    const answers = await Promise.all([
      post(first.url, body),
      post(second.url, body),
      post(second.url, body),
      post(first.url, { ...body }),
    ]);
    expect(answers).toEqual(Array(4).fill({ status: 200, actionStatus: 'OK' }));
    const jobs = queue();
    expect(await allJobCount(jobs)).toBe(1);

    const events: RecallEvent[] = [];
    await once(worker(events) as never, 'completed');
    // A copy after the job completed, within the deduplication window, is no new job either.
    expect(await post(first.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
    expect(await allJobCount(jobs)).toBe(1);
    expect(events).toHaveLength(1);
  });

  it('adds no job for an unsigned, wrongly signed, foreign or invalid request', async () => {
    const jobs = queue();
    const { url } = await receiver({ queue: jobs });
    const body = createRecallEvent();
    const unsigned = createCallbackQuery(DEMO_SDK_APP_ID);
    const wronglySigned = createCallbackQuery(DEMO_SDK_APP_ID, { token: 'not-the-token' });
    const foreign = createCallbackQuery(1400999999, { token: TOKEN });
    expect(await post(url, body, unsigned)).toEqual({ status: 401, actionStatus: 'FAIL' });
    expect(await post(url, body, wronglySigned)).toEqual({ status: 401, actionStatus: 'FAIL' });
    expect(await post(url, body, foreign)).toEqual({ status: 403, actionStatus: 'FAIL' });
    expect(await post(url, { ...body, MsgSeqList: [] })).toEqual({ status: 400, actionStatus: 'FAIL' });
    expect(await post(url, { ...C2C_BODY, MsgKey: 42 })).toEqual({ status: 400, actionStatus: 'FAIL' });
    expect(await post(url, { ...OFFICIAL_ACCOUNT_BODY, WithdrawMsgList: [] })).toEqual({
      status: 400,
      actionStatus: 'FAIL',
    });
    expect(await allJobCount(jobs)).toBe(0);
  });
}

describeWithRedis('recallWebhook({ queue }) when Redis is down or hung', () => {
  let backend: Awaited<ReturnType<typeof startRedisBackend>>;
  let redis: IORedis;
  let jobs: Queue;
  let receiverClose: () => Promise<void>;

  beforeEach(async () => {
    backend = await startRedisBackend();
    // The test owns the connection: once Redis is stopped, a Queue cannot QUIT a connection it
    // opened itself, and ioredis would go on reconnecting after close(), keeping Jest from exiting.
    // disconnect() of a client whose socket already closed arms a timer of disconnectTimeout
    // (2 s by default) to destroy that socket: keep it short.
    redis = new IORedis(backend.server.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      disconnectTimeout: 100,
    });
    jobs = new Queue(uniqueQueueName(), { connection: redis });
    jobs.on('error', () => undefined);
    await jobs.waitUntilReady();
  });
  afterEach(async () => {
    await receiverClose?.();
    backend.server.resume();
    await jobs.close();
    redis.disconnect();
    await backend.stop();
  });

  /** Posts one recall and says which came first: the answer or a timer set to Tencent's deadline. */
  async function postRacingTheDeadline(url: string): Promise<{ first: string; answer: Answer }> {
    const answering = post(url, createRecallEvent());
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadline = new Promise<string>((resolve) => {
      deadlineTimer = setTimeout(resolve, TENCENT_DEADLINE_MS, 'deadline');
    });
    const first = await Promise.race([answering.then(() => 'answer'), deadline]);
    clearTimeout(deadlineTimer);
    return { first, answer: await answering };
  }

  async function receiverWith(options: Options): Promise<string> {
    const started = await startReceiver({ token: TOKEN, queue: jobs, ...options });
    receiverClose = () => started.close();
    return started.url;
  }

  it.each(['stopped', 'hung'] as const)(
    'answers 503 FAIL before the deadline and tells onError when Redis is %s',
    async (state) => {
      const errors: Array<ErrorContext<express.Request>> = [];
      const url = await receiverWith({ onError: (_error, context) => void errors.push(context) });
      if (state === 'stopped') await backend.stop();
      else backend.server.pause();
      const { first, answer } = await postRacingTheDeadline(url);
      expect(first).toBe('answer');
      expect(answer).toEqual({ status: 503, actionStatus: 'FAIL' });
      expect(errors.map((context) => [context.stage, context.event.callbackCommand])).toEqual([
        ['enqueue', 'Group.CallbackAfterRecallMsg'],
      ]);
    },
  );

  it.each(['stopped', 'hung'] as const)(
    'processes the recall inline, and answers before the deadline, when Redis is %s and onRecall is given',
    async (state) => {
      const inline: RecallEvent[] = [];
      const url = await receiverWith({ onRecall: (event) => void inline.push(event) });
      if (state === 'stopped') await backend.stop();
      else backend.server.pause();
      const { first, answer } = await postRacingTheDeadline(url);
      expect(first).toBe('answer');
      expect(answer).toEqual({ status: 200, actionStatus: 'OK' });
      expect(inline).toHaveLength(1);
    },
  );
});
