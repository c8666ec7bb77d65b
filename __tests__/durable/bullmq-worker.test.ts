/**
 * createRecallWorker against a real redis-server and a real PostgreSQL (BullMQ's PostgreSQL backend):
 * jobs in the shape the middleware's queue option adds.
 */
import type { ConnectionOptions, Queue, Worker } from 'bullmq';
import {
  createRecallWorker,
  UnhandledRecallJobError,
  type GroupRecallJobHandler,
  type RecallJobErrorContext,
  type RecallWorkerOptions,
} from '../../lib/durable/worker';
import type { AnyGroupRecallEvent, GroupRecallEvent } from '../../lib/entries';
import { createMsgSeqList, createRecallEvent } from '../../lib/testing/index';
import {
  describeWithPostgres,
  describeWithRedis,
  nextJob,
  openQueue,
  startPostgresBackend,
  startRedisBackend,
  uniqueQueueName,
  type Backend,
} from '../support/bullmq';
import { deliver, startApp } from '../support/deliveries';

// Each suite starts real servers; on a loaded machine that can take longer than Jest's 5 s default.
jest.setTimeout(30_000);

/** The event the middleware's inline onRecall gets for `body`, captured over real HTTP. */
async function eventAsTheMiddlewareGivesIt(body: ReturnType<typeof createRecallEvent>): Promise<GroupRecallEvent> {
  const events: GroupRecallEvent[] = [];
  const app = await startApp({ onRecall: (event) => void events.push(event) });
  try {
    expect(await deliver(app.url, body)).toEqual({ status: 200, actionStatus: 'OK' });
  } finally {
    await app.close();
  }
  return events[0];
}

const BACKENDS = [
  { name: 'Redis', describeWith: describeWithRedis, startBackend: startRedisBackend },
  { name: 'PostgreSQL', describeWith: describeWithPostgres, startBackend: startPostgresBackend },
];
for (const { name, describeWith, startBackend } of BACKENDS) {
  describeWith(`createRecallWorker on ${name}`, () => workerSuite(startBackend));
}

function workerSuite(startBackend: () => Promise<Backend>): void {
  let backend: Backend;
  let queueName: string;
  let queue: Queue;
  const workers: Worker[] = [];

  function worker(
    onRecall: GroupRecallJobHandler | undefined,
    options: Omit<RecallWorkerOptions, 'connection'> = {},
  ): Worker {
    const connection = backend.workerConnection() as ConnectionOptions;
    const started = createRecallWorker(queueName, onRecall, { connection, ...options }, backend.factory as never);
    workers.push(started as unknown as Worker);
    return started as unknown as Worker;
  }

  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(() => backend.stop());
  beforeEach(() => {
    queueName = uniqueQueueName();
    queue = openQueue(backend, queueName);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((started) => started.close()));
    await queue.close();
  });

  it("hands onRecall the same GroupRecallEvent as the middleware's onRecall, and the job", async () => {
    const body = { ...createRecallEvent({ MsgSeqList: createMsgSeqList([41, 42]) }), FieldTencentAddsLater: { a: 1 } };
    const expected = await eventAsTheMiddlewareGivesIt(body);
    const received: Array<{ event: AnyGroupRecallEvent; jobName: string }> = [];
    const recalls = worker((event, job) => void received.push({ event, jobName: job.name }));
    const done = nextJob(recalls, 'completed');
    await queue.add(expected.callbackCommand, expected);
    await done;
    expect(received).toEqual([{ event: expected, jobName: 'Group.CallbackAfterRecallMsg' }]);
    expect(typeof received[0].event.eventTime).toBe('number');
    expect(received[0].event.raw).toEqual(body);
  });

  it('fails, never completes, a job of a command it has no handler for', async () => {
    const recalls = worker(() => undefined);
    const failed = nextJob(recalls, 'failed');
    const event = { callbackCommand: 'C2C.CallbackAfterMsgWithDraw', fromAccount: 'a', toAccount: 'b', msgKey: 'k' };
    await queue.add('C2C.CallbackAfterMsgWithDraw', event);
    const job = await failed;
    expect(job.failedReason).toBe(
      `job ${job.id} is a C2C.CallbackAfterMsgWithDraw recall, and this worker has no handler for it ` +
        '(give createRecallWorker the onC2CRecall option); the job fails and is retried',
    );
    expect(await queue.getFailedCount()).toBe(1);
    expect(await queue.getCompletedCount()).toBe(0);
  });

  it('fails a job whose name is no recall command, naming the commands it knows', async () => {
    const errors: Error[] = [];
    const recalls = worker(() => undefined, {
      onError: (error) => void errors.push(error),
    });
    const failed = nextJob(recalls, 'failed');
    await queue.add('toString', {});
    const job = await failed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(UnhandledRecallJobError);
    expect(errors[0]).toMatchObject({ jobName: 'toString' });
    expect(job.failedReason).toBe(
      `job ${job.id} is named 'toString', which is not a recall callback command (Group.CallbackAfterRecallMsg, C2C.CallbackAfterMsgWithDraw, OfficialAccount.CallbackAfterMsgWithDraw)`,
    );
  });

  it('hands one-to-one recalls to onC2CRecall, and then a group recall without onRecall fails', async () => {
    const received: unknown[] = [];
    const recalls = worker(undefined, {
      onC2CRecall: (event) => void received.push(event),
    });
    const c2c = { callbackCommand: 'C2C.CallbackAfterMsgWithDraw', fromAccount: 'a', toAccount: 'b', msgKey: 'k' };
    const completed = nextJob(recalls, 'completed');
    await queue.add(c2c.callbackCommand, c2c);
    await completed;
    expect(received).toEqual([c2c]);

    const failed = nextJob(recalls, 'failed');
    await queue.add('Group.CallbackAfterRecallMsg', await eventAsTheMiddlewareGivesIt(createRecallEvent()));
    expect((await failed).failedReason).toMatch(
      /no handler for it \(give createRecallWorker onRecall, its second argument\)/,
    );
  });

  it('hands Official Account recalls to onOfficialAccountRecall, and fails them without it, naming the option', async () => {
    const received: unknown[] = [];
    const recalls = worker(undefined, { onOfficialAccountRecall: (event) => void received.push(event) });
    const recall = {
      callbackCommand: 'OfficialAccount.CallbackAfterMsgWithDraw',
      officialAccount: '#TOA#_123',
      messages: [{ msgKey: '71_1_1698741698' }],
    };
    const completed = nextJob(recalls, 'completed');
    await queue.add(recall.callbackCommand, recall);
    await completed;
    expect(received).toEqual([recall]);

    const groupOnly = worker(() => undefined);
    await recalls.close();
    const failed = nextJob(groupOnly, 'failed');
    await queue.add(recall.callbackCommand, recall);
    expect((await failed).failedReason).toMatch(
      /no handler for it \(give createRecallWorker the onOfficialAccountRecall option\)/,
    );
  });

  it('tells onError of each failed attempt and, once the attempts are used up, of the dead letter', async () => {
    const stages: Array<RecallJobErrorContext['stage']> = [];
    let lastContext: RecallJobErrorContext | undefined;
    let deadLettered!: () => void;
    const deadLetter = new Promise<void>((resolve) => (deadLettered = resolve));
    worker(
      () => {
        throw new Error('the archive is down');
      },
      {
        onError: (error, context) => {
          expect(error.message).toBe('the archive is down');
          stages.push(context.stage);
          lastContext = context;
          if (context.stage === 'dead-letter') deadLettered();
        },
      },
    );
    const event = await eventAsTheMiddlewareGivesIt(createRecallEvent());
    const added = await queue.add(event.callbackCommand, event, { attempts: 3 });
    await deadLetter;
    expect(stages).toEqual(['attempt', 'attempt', 'dead-letter']);
    expect(lastContext?.event).toEqual(event);
    expect(lastContext?.job.id).toBe(added.id);
    const [failed] = await queue.getFailed();
    expect(failed).toMatchObject({ id: added.id, attemptsMade: 3, failedReason: 'the archive is down' });
  });

  it('keeps working when onError throws', async () => {
    const recalls = worker(
      () => {
        throw new Error('fails');
      },
      {
        onError: () => {
          throw new Error('onError is broken too');
        },
      },
    );
    const event = await eventAsTheMiddlewareGivesIt(createRecallEvent());
    const failed = nextJob(recalls, 'failed');
    await queue.add(event.callbackCommand, event);
    await failed;
    const again = nextJob(recalls, 'failed');
    await queue.add(event.callbackCommand, { ...event, eventTime: event.eventTime + 1 });
    expect((await again).failedReason).toBe('fails');
  });

  it('lets the active job finish when closed (graceful shutdown)', async () => {
    let finish!: () => void;
    let started!: () => void;
    const active = new Promise<void>((resolve) => (started = resolve));
    const recalls = worker(
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
          started();
        }),
    );
    const event = await eventAsTheMiddlewareGivesIt(createRecallEvent());
    const { id } = await queue.add(event.callbackCommand, event);
    await active;
    let closed = false;
    const closing = recalls.close().then(() => (closed = true));
    // A round trip to the store gives close() every chance to resolve early if it did not wait.
    expect(await queue.getJobState(id!)).toBe('active');
    expect(closed).toBe(false);
    finish();
    await closing;
    expect(await queue.getJobState(id!)).toBe('completed');
  });

  it('hands BullMQ none of its own options', async () => {
    const recalls = worker(() => undefined, {
      concurrency: 3,
      autorun: false,
      onError: () => undefined,
      onC2CRecall: () => undefined,
    });
    expect(recalls.opts).toMatchObject({ concurrency: 3, autorun: false });
    expect(recalls.opts).not.toHaveProperty('onError');
    expect(recalls.opts).not.toHaveProperty('onC2CRecall');
    // A worker closed while its PostgreSQL connection is still being opened leaves that session
    // open; the server's stop would then wait for it.
    await recalls.waitUntilReady();
  });
}

describe('createRecallWorker arguments', () => {
  it.each([undefined, null])('needs onRecall or onC2CRecall (onRecall %s)', (onRecall) => {
    expect(() => createRecallWorker('recalls', onRecall, { connection: {}, autorun: false })).toThrow(
      new TypeError(
        'createRecallWorker: give onRecall, the onC2CRecall option, the onOfficialAccountRecall option, or more than one',
      ),
    );
  });

  it('needs a queue name and functions for handlers', () => {
    expect(() => createRecallWorker('', () => undefined, { connection: {}, autorun: false })).toThrow(
      /^createRecallWorker: "queueName" is not allowed to be empty$/,
    );
    expect(() =>
      createRecallWorker('recalls', () => undefined, { connection: {}, autorun: false, onError: 'log' as never }),
    ).toThrow(/^createRecallWorker: "onError" must be of type function$/);
  });
});
