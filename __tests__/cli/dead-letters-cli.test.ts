/**
 * The CLI's `failed` and `retry` commands against dead letters in a real redis-server and a real
 * PostgreSQL: in process (so the coverage sees them) and as the built command, spawned as an
 * operator runs it; usage errors in process.
 */
import type { ConnectionOptions, Queue, Worker } from 'bullmq';
import { createRecallWorker, describeFailedJobs, retryFailedJobs } from '../../lib/durable/worker';
import { createMsgSeqList, createRecallEvent } from '../../lib/testing/index';
import { toGroupRecallEvent } from '../../lib/protocol/group-event';
import { requireBuild } from '../support/build';
import { runBuiltCli, runCliInProcess } from '../support/cli';
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
import { freeLoopbackPort } from '../support/redis-server';
import { runWhereBullmqFails } from '../support/cli-without-bullmq';

// Each suite starts real servers; on a loaded machine that can take longer than Jest's 5 s default.
jest.setTimeout(30_000);

const cli = (...args: string[]) => runBuiltCli(args);
const runInProcess = (...argv: string[]) => runCliInProcess(argv);

const BACKENDS = [
  { name: 'Redis', describeWith: describeWithRedis, startBackend: startRedisBackend },
  { name: 'PostgreSQL', describeWith: describeWithPostgres, startBackend: startPostgresBackend },
];
for (const { name, describeWith, startBackend } of BACKENDS) {
  describeWith(`failed and retry on ${name}`, () => deadLetterSuite(startBackend));
}

function deadLetterSuite(startBackend: () => Promise<Backend>): void {
  let backend: Backend;
  let queueName: string;
  let queue: Queue;
  let worker: Worker;
  let archiveUp: boolean;
  const deadLetters: string[] = [];

  beforeAll(requireBuild);
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(() => backend.stop());
  beforeEach(async () => {
    queueName = uniqueQueueName();
    queue = openQueue(backend, queueName);
    // Once the receiver's Queue has written the queue's meta, the CLI knows the queue exists.
    await queue.getVersion();
    archiveUp = false;
    deadLetters.length = 0;
    const connection = backend.workerConnection() as ConnectionOptions;
    const options = {
      connection,
      concurrency: 20,
      onError: (_error: Error, context: { stage: string; job: { id?: string } }) => {
        if (context.stage === 'dead-letter') deadLetters.push(context.job.id!);
      },
    };
    const onRecall = () => {
      if (!archiveUp) throw new Error('the archive is down');
    };
    worker = createRecallWorker(queueName, onRecall, options, backend.factory as never) as unknown as Worker;
  });
  afterEach(async () => {
    await worker.close();
    await queue.close();
  });

  async function waitForDeadLetters(count: number): Promise<void> {
    while (deadLetters.length < count) await nextJob(worker, 'failed');
  }

  it('lists each dead letter, retry brings them all back, and then they are processed', async () => {
    const group = toGroupRecallEvent(
      createRecallEvent({ Type: 'Public', GroupId: '@TGS#2ARCHIVE', MsgSeqList: createMsgSeqList([41, 42]) }),
      { sdkAppId: '1400000000' },
    );
    const topic = toGroupRecallEvent(
      createRecallEvent({ Type: 'Community', GroupId: '@TGS#_@TGS#cARCHIVE', MsgSeqList: createMsgSeqList([7]) }),
      { sdkAppId: '1400000000' },
    );
    const c2c = {
      callbackCommand: 'C2C.CallbackAfterMsgWithDraw',
      fromAccount: 'jared',
      toAccount: 'Jonh',
      msgKey: 'k_1',
    };
    const officialAccount = {
      callbackCommand: 'OfficialAccount.CallbackAfterMsgWithDraw',
      officialAccount: '#TOA#_123',
      messages: [{ msgKey: '71_1_1698741698' }, { msgKey: '72_1_1698741699' }],
    };
    const groupJob = await queue.add(group.callbackCommand, group, { attempts: 2 });
    const topicJob = await queue.add(topic.callbackCommand, topic, { attempts: 1 });
    const c2cJob = await queue.add(c2c.callbackCommand, c2c, { attempts: 1 });
    const officialAccountJob = await queue.add(officialAccount.callbackCommand, officialAccount, { attempts: 1 });
    const strayJob = await queue.add('toString', {}, { attempts: 1 });
    await waitForDeadLetters(5);

    const listed = await runInProcess('failed', '--queue', queueName, ...backend.cliFlags());
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 3, stderr: '' });
    const lines = listed.stdout.split('\n');
    expect(lines[0]).toBe(`5 failed jobs in queue '${queueName}':`);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^job ${groupJob.id}: group @TGS#2ARCHIVE MsgSeqs 41,42 \\(Group\\.CallbackAfterRecallMsg\\), 2 attempts, failed at \\d{4}-`,
        ),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^job ${topicJob.id}: group @TGS#_@TGS#cARCHIVE topic @TGS#_@TGS#cARCHIVE@TOPIC#_\\w+ MsgSeqs 7 `),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^job ${c2cJob.id}: one-to-one jared -> Jonh MsgKey k_1 \\(C2C\\.CallbackAfterMsgWithDraw\\), 1 attempts`,
        ),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^job ${officialAccountJob.id}: Official Account #TOA#_123 MsgKeys 71_1_1698741698,72_1_1698741699 \\(OfficialAccount\\.CallbackAfterMsgWithDraw\\), 1 attempts`,
        ),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^job ${strayJob.id}: not a recall job \\(toString\\)`)),
    );
    expect(lines.some((line) => line.includes('the onOfficialAccountRecall option'))).toBe(true);
    expect(lines).toContain('  last error: the archive is down');
    expect(lines.some((line) => line.includes('this worker has no handler for it'))).toBe(true);

    archiveUp = true;
    const completed = nextJob(worker, 'completed');
    const retried = await runInProcess('retry', '--queue', queueName, ...backend.cliFlags(), groupJob.id!);
    expect(retried).toEqual({ code: 0, stdout: 'Moved 1 failed job back to waiting.\n', stderr: '' });
    expect((await completed).id).toBe(groupJob.id);
    expect(await queue.getFailedCount()).toBe(4);

    // A job that exists but is no longer in the failed set is left alone, and said so.
    const again = await runInProcess('retry', '--queue', queueName, ...backend.cliFlags(), groupJob.id!);
    expect(again).toEqual({
      code: 1,
      stdout: 'Moved 0 failed jobs back to waiting.\n',
      stderr: `tencent-chat-recall-webhook: not in the failed set, left alone: ${groupJob.id}\n`,
    });

    const all = await runInProcess('retry', '--queue', queueName, ...backend.cliFlags());
    expect(all).toEqual({ code: 0, stdout: 'Moved 4 failed jobs back to waiting.\n', stderr: '' });
  });

  it('lists and retries every dead letter past the first page of the failed set', async () => {
    const event = toGroupRecallEvent(createRecallEvent(), { sdkAppId: '1400000000' });
    const count = 501; // one more than a page
    await queue.addBulk(
      Array.from({ length: count }, (_, index) => ({
        name: event.callbackCommand,
        data: { ...event, eventTime: event.eventTime + index },
        opts: { attempts: 1 },
      })),
    );
    await waitForDeadLetters(count);
    const listed = await describeFailedJobs(queue);
    expect(listed).toHaveLength(count);
    expect(new Set(listed.map((job) => job.id)).size).toBe(count);
    await worker.pause();
    expect(await retryFailedJobs(queue)).toMatchObject({ notFailed: [] });
    expect(await queue.getWaitingCount()).toBe(count);
  });

  it('gives a retried job all its attempts again', async () => {
    const event = toGroupRecallEvent(createRecallEvent(), { sdkAppId: '1400000000' });
    const job = await queue.add(event.callbackCommand, event, { attempts: 2 });
    await waitForDeadLetters(1);
    expect(await cli('retry', '--queue', queueName, ...backend.cliFlags())).toMatchObject({ code: 0 });
    await waitForDeadLetters(2);
    const [failed] = await queue.getFailed();
    expect(failed).toMatchObject({ id: job.id, attemptsMade: 2 });
  });

  describe.each([
    ['in process', runInProcess],
    ['as the built command', cli],
  ])('%s', (_how, command) => {
    it('says so, and exits 1, for job ids not in the failed set', async () => {
      const outcome = await command('retry', '--queue', queueName, ...backend.cliFlags(), '999');
      expect(outcome).toEqual({
        code: 1,
        stdout: 'Moved 0 failed jobs back to waiting.\n',
        stderr: 'tencent-chat-recall-webhook: not in the failed set, left alone: 999\n',
      });
    });

    it('says when there are no failed jobs', async () => {
      expect(await command('failed', '--queue', queueName, ...backend.cliFlags())).toEqual({
        code: 0,
        stdout: `No failed jobs in queue '${queueName}'.\n`,
        stderr: '',
      });
    });
  });
}

describe('failed and retry usage', () => {
  it('documents both commands', async () => {
    const main = await runInProcess('--help');
    expect(main.stdout).toContain('failed        list the recall jobs that used up their attempts');
    expect(main.stdout).toContain('retry [ID…]   move failed recall jobs (all by default) back to waiting');
    const failed = await runInProcess('failed', '--help');
    expect(failed).toMatchObject({ code: 0, stderr: '' });
    expect(failed.stdout).toMatch(
      /^Usage: tencent-chat-recall-webhook failed --queue NAME \[--redis URL \[--prefix P\] \| --postgres URL \[--schema S\]\]/,
    );
    const retry = await runInProcess('retry', '--help');
    expect(retry.stdout).toMatch(/^Usage: tencent-chat-recall-webhook retry --queue NAME .*\[JOB_ID\.\.\.\]/);
    expect(retry.stdout).toContain('Exit codes: 0 all moved; 1 a JOB_ID was not in the failed set');
  });

  it.each([
    [['failed'], 'failed: --queue is required'],
    [
      ['failed', '--queue', 'q', '--redis', 'redis://a', '--postgres', 'postgres://b'],
      'failed: give only one of --redis, --postgres: they are for different stores',
    ],
    [['retry', '--queue', 'q', '--redis', 'http://a'], 'retry: --redis must be a redis:// or rediss:// URL'],
    [
      ['retry', '--queue', 'q', '--postgres', 'mysql://a'],
      'retry: --postgres must be a postgres:// or postgresql:// URL',
    ],
    [['failed', '--queue', 'q', '17'], "failed takes no operands, got '17'"],
    [['failed', '--queue', 'q', '--token', 't'], "Unknown option '--token'"],
  ])('exits 2 for %j', async (argv, reason) => {
    const outcome = await runInProcess(...argv);
    expect(outcome.code).toBe(2);
    const [first, hint] = outcome.stderr.split('\n');
    expect(first).toContain(`tencent-chat-recall-webhook: ${reason}`);
    expect(hint).toBe(`Run 'tencent-chat-recall-webhook ${argv[0]} --help' for usage.`);
  });

  describe('without bullmq installed', () => {
    afterEach(() => jest.dontMock('bullmq'));

    it.each(['failed', 'retry'])('%s exits 1 and says which packages to install', async (command) => {
      // Node's own error for a package that is not installed; the consumer check meets the real one.
      const notInstalled = Object.assign(new Error("Cannot find module 'bullmq'\nRequire stack:\n- dist/cli.js"), {
        code: 'MODULE_NOT_FOUND',
      });
      expect(await runWhereBullmqFails(notInstalled, [command, '--queue', 'q'])).toEqual({
        code: 1,
        lines: [
          `tencent-chat-recall-webhook: ${command} needs the bullmq package, an optional peer dependency: ` +
            'npm install bullmq ioredis (or bullmq pg for --postgres)',
        ],
      });
    });

    it('lets any other failure to load bullmq through', async () => {
      const broken = new SyntaxError('Unexpected token in bullmq');
      await expect(runWhereBullmqFails(broken, ['failed', '--queue', 'q'])).rejects.toBe(broken);
    });
  });

  it('exits 1, naming the cause, when the store cannot be reached', async () => {
    const port = await freeLoopbackPort();
    const outcome = await runInProcess('failed', '--queue', 'q', '--redis', `redis://127.0.0.1:${port}`);
    expect(outcome).toEqual({
      code: 1,
      stdout: '',
      stderr: `tencent-chat-recall-webhook: cannot reach queue 'q': connect ECONNREFUSED 127.0.0.1:${port}\n`,
    });
  });
});
