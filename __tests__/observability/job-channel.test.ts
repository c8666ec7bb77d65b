/**
 * On a real redis-server: the callback channel's 'queued' outcome on every runtime, the trace
 * context a subscriber hands the job, and tencent-chat-recall-webhook:job around the worker's jobs.
 */
import type { ConnectionOptions, Queue, Worker } from 'bullmq';
import { createRecallWorker, type RecallWorkerOptions } from '../../lib/durable/worker';
import {
  JOB_CHANNEL,
  jobDeduplicationId,
  TRACE_CONTEXT_FIELD,
  type CallbackTraceContext,
  type AnyGroupRecallEvent,
  type JobTraceContext,
} from '../../lib/entries';
import { callbackChannel, jobChannel } from '../../lib/observability/channels';
import { createRecallEvent } from '../../lib/testing/index';
import { body, query, queryString, SDK_APP_ID } from '../cases';
import {
  describeWithRedis,
  nextJob,
  openQueue,
  startRedisBackend,
  uniqueQueueName,
  type Backend,
} from '../support/bullmq';
import { recordChannel, type ChannelRecording } from '../support/channels';
import { waitFor } from '../support/deliveries';
import { RUNTIMES } from '../support/runtimes';

jest.setTimeout(30_000);

const CARRIER = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

describeWithRedis('callback and job channels on Redis', () => {
  let backend: Backend;
  let queueName: string;
  let queue: Queue;
  const workers: Worker[] = [];
  const recordings: Array<ChannelRecording<object>> = [];

  beforeAll(async () => {
    backend = await startRedisBackend();
  });
  afterAll(() => backend.stop());
  beforeEach(() => {
    queueName = uniqueQueueName();
    queue = openQueue(backend, queueName);
  });
  afterEach(async () => {
    for (const recording of recordings.splice(0)) recording.stop();
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
    await queue.close();
  });

  function record<Context extends object>(
    channel: Parameters<typeof recordChannel<Context>>[0],
    onStart?: (context: Context) => void,
  ): ChannelRecording<Context> {
    const recording = recordChannel(channel, onStart);
    recordings.push(recording as ChannelRecording<object>);
    return recording;
  }

  function worker(
    onRecall: (event: AnyGroupRecallEvent) => unknown,
    options: Partial<RecallWorkerOptions> = {},
  ): Worker {
    const connection = backend.workerConnection() as ConnectionOptions;
    const started = createRecallWorker(queueName, onRecall, { connection, log: { error() {} }, ...options });
    workers.push(started as unknown as Worker);
    return started as unknown as Worker;
  }

  it.each(RUNTIMES.map((runtime) => [runtime.name, runtime] as const))(
    "%s: outcome 'queued', and the job carries the trace context a subscriber set",
    async (_name, runtime) => {
      const callbacks = record<CallbackTraceContext>(callbackChannel, (context) => {
        context.traceContext = CARRIER;
      });
      const receiver = await runtime.start({ sdkAppId: SDK_APP_ID, queue });
      try {
        expect((await receiver.post(queryString(query()), body())).status).toBe(200);
      } finally {
        await receiver.close();
      }
      const [trace] = callbacks.traces();
      expect(trace.map((one) => one.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      expect(trace.at(-1)!.context).toMatchObject({ sdkAppId: String(SDK_APP_ID), outcome: 'queued', status: 200 });
      const [job] = await queue.getWaiting();
      expect(job.data[TRACE_CONTEXT_FIELD as keyof typeof job.data]).toEqual(CARRIER);
    },
  );

  it('the worker hands handlers the event without the trace context, and the job channel gets it', async () => {
    const recall = createRecallEvent();
    record<CallbackTraceContext>(callbackChannel, (context) => {
      context.traceContext = CARRIER;
    });
    const jobs = record<JobTraceContext>(jobChannel);
    const receiver = await RUNTIMES[1].start({ sdkAppId: SDK_APP_ID, queue });
    try {
      expect((await receiver.post(queryString(query()), JSON.stringify(recall))).status).toBe(200);
    } finally {
      await receiver.close();
    }
    const events: AnyGroupRecallEvent[] = [];
    const completed = nextJob(
      worker((event) => void events.push(event)),
      'completed',
    );
    const job = await completed;

    expect(Object.keys(events[0])).not.toContain(TRACE_CONTEXT_FIELD);
    expect(events[0]).toMatchObject({ groupId: recall.GroupId, sdkAppId: String(SDK_APP_ID) });
    await waitFor(() => jobs.published.some((one) => one.event === 'asyncEnd'));
    const trace = jobs.traces()[0];
    expect(trace.map((one) => one.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(trace.at(-1)!.context).toEqual({
      command: 'Group.CallbackAfterRecallMsg',
      jobId: job.id,
      queueName,
      attempt: 1,
      traceContext: CARRIER,
      outcome: 'ok',
      result: undefined,
    });
    expect(JOB_CHANNEL).toBe('tencent-chat-recall-webhook:job');
  });

  it('a traced copy and an untraced one of a recall still become one job', async () => {
    const recall = JSON.stringify(createRecallEvent());
    const receiver = await RUNTIMES[1].start({ sdkAppId: SDK_APP_ID, queue });
    try {
      expect((await receiver.post(queryString(query()), recall)).status).toBe(200);
      record<CallbackTraceContext>(callbackChannel, (context) => {
        context.traceContext = CARRIER;
      });
      expect((await receiver.post(queryString(query()), recall)).status).toBe(200);
    } finally {
      await receiver.close();
    }
    const waiting = await queue.getWaiting();
    expect(waiting).toHaveLength(1);
    expect(waiting[0].opts.deduplication?.id).toBe(jobDeduplicationId(waiting[0].data));
  });

  it("a failing job: 'retry' with its error while attempts are left, then 'dead-letter'", async () => {
    const jobs = record<JobTraceContext>(jobChannel);
    await queue.add('Group.CallbackAfterRecallMsg', {} as never, { attempts: 2 });
    const started = worker(() => Promise.reject(new Error('downstream down')));
    await nextJob(started, 'failed');
    await nextJob(started, 'failed');

    await waitFor(() => jobs.published.filter((one) => one.event === 'asyncEnd').length === 2);
    const ends = jobs.traces().map((trace) => trace.at(-1)!.context);
    expect(ends.map(({ attempt, outcome }) => ({ attempt, outcome }))).toEqual([
      { attempt: 1, outcome: 'retry' },
      { attempt: 2, outcome: 'dead-letter' },
    ]);
    for (const trace of jobs.traces()) {
      expect(trace.map((one) => one.event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
      expect((trace[2].context.error as Error).message).toBe('downstream down');
    }
  });
});
