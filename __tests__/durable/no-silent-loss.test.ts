/**
 * Durable mode where a recall could once be lost without a trace, with a real Express receiver
 * over HTTP and BullMQ on a real redis-server: one-to-one recalls that share a MsgKey, a hung
 * backend, recall kinds no worker handles, and an async onError that rejects.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { ConnectionOptions, Queue, Worker } from 'bullmq';
import express from 'express';
import {
  C2C_RECALL_COMMAND,
  memoryStore,
  recallWebhook,
  type AnyRecallEvent,
  type RecallLog,
  type RecallWebhookOptions,
} from '../../lib/entries';
import { createRecallWorker, type GroupRecallJobHandler, type RecallWorkerOptions } from '../../lib/durable/worker';
import { createC2CRecallEvent, createCallbackQuery, createRecallEvent, DEMO_SDK_APP_ID } from '../../lib/testing/index';
import { describeWithRedis, openQueue, startRedisBackend, uniqueQueueName, type Backend } from '../support/bullmq';
import { startApp, TENCENT_DEADLINE_MS, waitFor } from '../support/deliveries';
import type { TestRedisServer } from '../support/redis-server';

jest.setTimeout(30_000);

type Options = Omit<RecallWebhookOptions<express.Request>, 'sdkAppId'>;

async function post(url: string, body: { CallbackCommand: string }): Promise<{ status: number; text: string }> {
  const query = createCallbackQuery(DEMO_SDK_APP_ID, { callbackCommand: body.CallbackCommand });
  const response = await fetch(`${url}?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TENCENT_DEADLINE_MS * 2),
  });
  return { status: response.status, text: await response.text() };
}

function recordingLog(): { log: RecallLog; lines: string[] } {
  const lines: string[] = [];
  const write = (message: string) => void lines.push(message);
  return { log: { debug() {}, info() {}, warn: write, error: write }, lines };
}

// Two messages of two conversations can share a MsgKey (MsgSeq_MsgRandom_MsgTimeStamp).
const TO_BOB = createC2CRecallEvent({ From_Account: 'alice', To_Account: 'bob', MsgKey: '7_12345_1700000000' });
const TO_CAROL = createC2CRecallEvent({ From_Account: 'alice', To_Account: 'carol', MsgKey: '7_12345_1700000000' });

describeWithRedis('durable mode never loses a recall silently (Redis)', () => {
  let backend: Backend & { server: TestRedisServer };
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    backend = await startRedisBackend();
  });
  afterAll(async () => {
    await backend.stop();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  function queue(defaultJobOptions?: object): Queue {
    const opened = openQueue(backend, uniqueQueueName(), defaultJobOptions);
    closers.push(() => opened.close());
    return opened;
  }

  async function receiver(options: Options) {
    const started = await startApp(options);
    closers.push(() => started.close());
    return started;
  }

  function worker(
    name: string,
    options: Omit<RecallWorkerOptions, 'connection'>,
    onRecall: GroupRecallJobHandler = () => {},
  ): Worker {
    const connection = backend.workerConnection() as ConnectionOptions;
    const started = createRecallWorker(name, onRecall, { ...options, connection });
    closers.push(() => started.close());
    return started;
  }

  it('queues two one-to-one recalls with one MsgKey in two conversations as two jobs, and both are processed', async () => {
    const recalls = queue();
    const { url } = await receiver({ queue: recalls });
    expect((await post(url, TO_BOB)).status).toBe(200);
    expect((await post(url, TO_CAROL)).status).toBe(200);
    const processed: AnyRecallEvent[] = [];
    worker(recalls.name, { onC2CRecall: (event) => void processed.push(event) }, undefined);
    await waitFor(() => processed.length === 2, 10_000);
    expect(processed.map((event) => (event as { toAccount: string }).toAccount).sort()).toEqual(['bob', 'carol']);
  });

  it('hands both to the inline handler through a dedupe store, while a copy of one is still skipped', async () => {
    const handled: string[] = [];
    const { url } = await receiver({
      dedupe: { store: memoryStore() },
      onC2CRecall: (event) => void handled.push(event.toAccount),
    });
    for (const body of [TO_BOB, TO_CAROL, TO_BOB]) expect((await post(url, body)).status).toBe(200);
    expect(handled).toEqual(['bob', 'carol']);
  });

  it('bounds the adds waiting for a hung Redis: past queueMaxPendingAdds it answers 503 at once and tries no add', async () => {
    const recalls = queue();
    await recalls.waitUntilReady();
    let adds = 0;
    const counted = {
      add: (...args: Parameters<Queue['add']>) => {
        adds++;
        return recalls.add(...args);
      },
    };
    const { log, lines } = recordingLog();
    const { url } = await receiver({ queue: counted, queueMaxPendingAdds: 3, timeoutMs: 300, log });
    backend.server.pause();
    try {
      const answers = await Promise.all(
        Array.from({ length: 3 }, (_, i) => post(url, createRecallEvent({ GroupId: `hung-${i}` }))),
      );
      expect(answers.map((answer) => answer.status)).toEqual([503, 503, 503]);
      expect(adds).toBe(3);
      // The three adds still wait for Redis: the next recall is refused without one.
      const refused = await post(url, createRecallEvent({ GroupId: 'refused' }));
      expect(refused.status).toBe(503);
      expect(adds).toBe(3);
      expect(lines.at(-1)).toMatch(
        /answered 503 FAIL \(the recall could not be queued: .*queueMaxPendingAdds.*group "refused"/,
      );
    } finally {
      backend.server.resume();
    }
  });

  it('with queueCommands, passes on the kinds the queue does not take instead of acknowledging them', async () => {
    const recalls = queue();
    const app = express();
    app.use(
      '/callback',
      recallWebhook({ sdkAppId: DEMO_SDK_APP_ID, queue: recalls, queueCommands: ['Group.CallbackAfterRecallMsg'] }),
    );
    const passedOn: string[] = [];
    app.use('/callback', (req, res) => {
      passedOn.push(String(req.query.CallbackCommand));
      res.json({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(async () => {
      server.close();
      await once(server, 'close');
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
    expect((await post(url, createRecallEvent())).status).toBe(200);
    expect((await post(url, TO_BOB)).status).toBe(200);
    expect(passedOn).toEqual([C2C_RECALL_COMMAND]);
    const jobs = await recalls.getJobs(['waiting']);
    expect(jobs.map((job) => job.name)).toEqual(['Group.CallbackAfterRecallMsg']);
  });

  it("with queueCommands and the other kind's handler, handles that kind inline", async () => {
    const recalls = queue();
    const inline: string[] = [];
    const { url } = await receiver({
      queue: recalls,
      queueCommands: ['Group.CallbackAfterRecallMsg'],
      onC2CRecall: (event) => void inline.push(event.toAccount),
    });
    expect((await post(url, TO_BOB)).status).toBe(200);
    expect(inline).toEqual(['bob']);
    expect(await recalls.getJobCounts('waiting')).toEqual({ waiting: 0 });
  });

  it("the worker's async onError that rejects is caught, and a dead letter is logged", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // One attempt: the first failure makes the job a dead letter.
      const recalls = queue({ attempts: 1 });
      const { url } = await receiver({ queue: recalls });
      expect((await post(url, createRecallEvent({ GroupId: 'doomed' }))).status).toBe(200);
      const { log, lines } = recordingLog();
      const stages: string[] = [];
      worker(
        recalls.name,
        {
          log,
          onError: async (_error, context) => {
            stages.push(context.stage);
            throw new Error('onError broke');
          },
        },
        () => {
          throw new Error('archive down');
        },
      );
      await waitFor(() => lines.length >= 2, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(stages).toEqual(['dead-letter']);
      expect(unhandled).toEqual([]);
      expect(lines).toEqual([
        expect.stringMatching(
          /^tencent-chat-recall-webhook: job \S+ \(Group\.CallbackAfterRecallMsg\) used up its 1 attempts and stays in the failed set: archive down; list dead letters with the CLI's failed command$/,
        ),
        'tencent-chat-recall-webhook: onError threw: onError broke',
      ]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
