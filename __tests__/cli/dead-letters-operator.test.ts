/**
 * What an operator meets with `failed` and `retry` beyond the happy path, against a real
 * redis-server and a real PostgreSQL: custom prefixes and schemas, connection from the
 * environment, read-only listing, unknown queues, hostile job data, malformed jobs, a store that
 * fails half-way through a retry.
 */
import { createPostgresBackend, Queue, type Job, type Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { Client } from 'pg';
import { createRecallWorker } from '../../lib/durable/worker';
import { openQueue as openCliQueue, retryFailedJobs } from '../../lib/durable/dead-letters';
import { createRecallEvent } from '../../lib/testing/index';
import { toGroupRecallEvent } from '../../lib/protocol/group-event';
import { requireBuild } from '../support/build';
import { runBuiltCli, runCliInProcess } from '../support/cli';
import { describeWithPostgres, describeWithRedis, uniqueQueueName } from '../support/bullmq';
import { TestPostgresServer } from '../support/postgres-server';
import { TestRedisCluster } from '../support/redis-cluster';
import { TestRedisServer } from '../support/redis-server';

jest.setTimeout(30_000);

/** The built command, with only the environment given (no REDIS_URL or DATABASE_URL from the test's). */
const cli = (env: Record<string, string>, ...args: string[]) => runBuiltCli(args, { PATH: process.env.PATH, ...env });
const runInProcess = (argv: string[], env: Record<string, string> = {}) => runCliInProcess(argv, env);

const groupRecall = (groupId = '@TGS#2ARCHIVE') =>
  toGroupRecallEvent(createRecallEvent({ Type: 'Public', GroupId: groupId }), { sdkAppId: '1400000000' });

/** A worker whose every attempt fails with `reason`; resolves each dead letter as it lands. */
function failingWorker(
  queueName: string,
  options: object,
  reason: (event: unknown) => string = () => 'the archive is down',
  backend?: typeof createPostgresBackend,
): Worker {
  const onRecall = (event: unknown) => {
    throw new Error(reason(event));
  };
  return createRecallWorker(queueName, onRecall, options as never, backend as never) as unknown as Worker;
}

/** Resolves with the queue's failed set once it holds `count` jobs. */
async function deadLetters(queue: Queue, count: number): Promise<Job[]> {
  while ((await queue.getFailedCount()) < count) await new Promise((resolve) => setTimeout(resolve, 20));
  return queue.getFailed();
}

describeWithRedis('failed and retry on Redis, as an operator meets them', () => {
  let server: TestRedisServer;
  let redis: Redis;
  beforeAll(requireBuild);
  beforeAll(async () => {
    server = await TestRedisServer.start();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  /** A receiver's queue and a worker on it, with this key prefix, holding `count` dead letters. */
  async function queueWithDeadLetters(prefix: string | undefined, count: number) {
    const name = uniqueQueueName();
    const options = { connection: { url: server.url }, ...(prefix !== undefined && { prefix }) };
    const queue = new Queue(name, options);
    const worker = failingWorker(name, options);
    for (let index = 0; index < count; index++) await queue.add(groupRecall().callbackCommand, groupRecall());
    const jobs = await deadLetters(queue, count);
    return { name, queue, worker, jobs, close: () => Promise.all([worker.close(), queue.close()]) };
  }

  it('reads the queue under its --prefix, and says plainly that it is not under the default one', async () => {
    const { name, jobs, close } = await queueWithDeadLetters('tenant-a', 1);
    try {
      const wrongPrefix = await runInProcess(['failed', '--queue', name, '--redis', server.url]);
      expect(wrongPrefix).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `tencent-chat-recall-webhook: no queue '${name}' in Redis with prefix 'bull' (--redis): ` +
          `check --queue and --prefix against the receiver's Queue\n`,
      });
      const listed = await runInProcess(['failed', '--queue', name, '--redis', server.url, '--prefix', 'tenant-a']);
      expect(listed.code).toBe(3);
      expect(listed.stdout).toMatch(new RegExp(`^1 failed job in queue '${name}':\njob ${jobs[0].id}: group `));
      const retried = await runInProcess(['retry', '--queue', name, '--redis', server.url, '--prefix', 'tenant-a']);
      expect(retried).toEqual({ code: 0, stdout: 'Moved 1 failed job back to waiting.\n', stderr: '' });
    } finally {
      await close();
    }
  });

  it('writes nothing while it reads, for a known queue or an unknown one', async () => {
    const { name, close } = await queueWithDeadLetters(undefined, 2);
    await close(); // no other client may talk to the server while it is watched
    const keysBefore = (await redis.keys('*')).sort();
    const monitor = await redis.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args[0].toLowerCase()));
    const codes: number[] = [];
    try {
      codes.push((await runInProcess(['failed', '--queue', name, '--redis', server.url])).code);
      codes.push((await runInProcess(['failed', '--queue', 'no-such-queue', '--redis', server.url])).code);
      codes.push((await runInProcess(['failed', '--queue', name, '--redis', server.url, '--json'])).code);
    } finally {
      monitor.disconnect();
    }
    expect(commands).toContain('hgetall'); // the watch saw the jobs read
    const writes: string[] = [];
    for (const command of new Set(commands)) {
      const [info] = (await redis.call('COMMAND', 'INFO', command)) as [[string, number, string[]] | null];
      if (info?.[2].includes('write')) writes.push(command);
    }
    expect(writes).toEqual([]);
    expect((await redis.keys('*')).sort()).toEqual(keysBefore);
    expect(codes).toEqual([3, 1, 3]);
  });

  it('connects to REDIS_URL when no store is given, and prints --json for scripts', async () => {
    const { name, jobs, worker, close } = await queueWithDeadLetters(undefined, 2);
    try {
      const outcome = await cli({ REDIS_URL: server.url }, 'failed', '--queue', name, '--json');
      expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 3, stderr: '' });
      const printed = JSON.parse(outcome.stdout) as { queue: string; failed: { id: string; failedReason: string }[] };
      expect(printed.queue).toBe(name);
      expect(printed.failed.map((job) => job.id).sort()).toEqual(jobs.map((job) => job.id).sort());
      expect(printed.failed[0]).toMatchObject({
        command: 'Group.CallbackAfterRecallMsg',
        failedReason: 'the archive is down',
        attemptsMade: 1,
      });
      await worker.pause();
      expect(await cli({ REDIS_URL: server.url }, 'retry', '--queue', name)).toMatchObject({ code: 0 });
      expect(await cli({ REDIS_URL: server.url }, 'failed', '--queue', name, '--json')).toEqual({
        code: 0,
        stdout: `{"queue":"${name}","failed":[]}\n`,
        stderr: '',
      });
      // A variable that is not a Redis URL is bad usage, named as such.
      const bad = await runInProcess(['failed', '--queue', name], { REDIS_URL: 'http://127.0.0.1' });
      expect(bad).toMatchObject({ code: 2 });
      expect(bad.stderr).toMatch(/^tencent-chat-recall-webhook: failed: REDIS_URL must be a redis:\/\/ or rediss:\/\//);
    } finally {
      await close();
    }
  });

  it('escapes the control characters of job data and errors, so that nothing forges a line', async () => {
    const name = uniqueQueueName();
    const options = { connection: { url: server.url } };
    const queue = new Queue(name, options);
    const forged = 'x\n  last error: none\x1b[2K\rjob 99: fine\u202e';
    const worker = failingWorker(name, options, () => `down\n\x1b[31mjob 98: forged\x9b`);
    try {
      const job = await queue.add(groupRecall(forged).callbackCommand, groupRecall(forged));
      await deadLetters(queue, 1);
      const listed = await runInProcess(['failed', '--queue', name, '--redis', server.url]);
      expect(listed.stdout.split('\n')).toEqual([
        `1 failed job in queue '${name}':`,
        expect.stringMatching(
          new RegExp(
            `^job ${job.id}: group x\\\\n {2}last error: none\\\\x1b\\[2K\\\\rjob 99: fine\\\\u202e MsgSeqs \\d+ \\(`,
          ),
        ),
        '  last error: down\\n\\x1b[31mjob 98: forged\\x9b',
        '',
      ]);
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('lists every other job when one is malformed, and names the malformed ones', async () => {
    const name = uniqueQueueName();
    const options = { connection: { url: server.url } };
    const queue = new Queue(name, options);
    const worker = failingWorker(name, options);
    try {
      const sound = await queue.add(groupRecall().callbackCommand, groupRecall());
      const nullData = await queue.add(groupRecall().callbackCommand, null);
      const corrupted = await queue.add(groupRecall().callbackCommand, groupRecall());
      const text = await queue.add('C2C.CallbackAfterMsgWithDraw', 'recalled');
      const partial = await queue.add(groupRecall().callbackCommand, { groupId: '@TGS#2ARCHIVE', messages: 7 });
      await deadLetters(queue, 5);
      await redis.hset(`bull:${name}:${corrupted.id}`, 'data', '{"groupId":');

      const listed = await runInProcess(['failed', '--queue', name, '--redis', server.url]);
      expect(listed.code).toBe(3);
      const lines = listed.stdout.split('\n');
      expect(lines[0]).toBe(`5 failed jobs in queue '${name}':`);
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^job ${text.id}: malformed job \\(C2C\\.CallbackAfterMsgWithDraw\\): its data is string,`),
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^job ${partial.id}: malformed job \\(Group\\.CallbackAfterRecallMsg\\): its data has no usable messages,`,
          ),
        ),
      );
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^job ${sound.id}: group @TGS#2ARCHIVE MsgSeqs`)));
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^job ${nullData.id}: malformed job \\(Group\\.CallbackAfterRecallMsg\\): its data is null, 1 attempts`,
          ),
        ),
      );
      expect(lines).toContainEqual(
        `job ${corrupted.id}: unreadable job: its stored data is not JSON (Unexpected end of JSON input), 0 attempts`,
      );
      expect(listed.stderr).toBe(
        `tencent-chat-recall-webhook: malformed failed jobs, listed with what is wrong: ${nullData.id}, ${corrupted.id}, ${text.id}, ${partial.id}\n`,
      );

      const retried = await runInProcess(['retry', '--queue', name, '--redis', server.url]);
      expect(retried).toEqual({
        code: 1,
        stdout: 'Moved 4 failed jobs back to waiting.\n',
        stderr: `tencent-chat-recall-webhook: unreadable, left alone: ${corrupted.id}\n`,
      });
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});

describeWithRedis('retry when the store fails half-way', () => {
  it('rejects with the connection error instead of calling the job "not in the failed set"', async () => {
    const server = await TestRedisServer.start();
    const name = uniqueQueueName();
    const options = { connection: { url: server.url } };
    const producer = new Queue(name, options);
    const worker = failingWorker(name, options);
    const queue = openCliQueue(name, { redis: server.url });
    try {
      await producer.add(groupRecall().callbackCommand, groupRecall());
      const [job] = await deadLetters(producer, 1);
      await worker.close();
      await producer.close();
      // The job is read, then the server dies before the job is moved back.
      const dyingStore = {
        getRanges: queue.getRanges.bind(queue),
        getJob: async (id: string) => {
          const found = await queue.getJob(id);
          await server.kill();
          return found;
        },
      };
      await expect(retryFailedJobs(dyingStore, [job.id!])).rejects.toThrow(
        /max retries per request|ECONNREFUSED|Connection is closed/,
      );
    } finally {
      await queue.close().catch(() => undefined);
      await server.stop();
    }
  });
});

describeWithPostgres('failed and retry on PostgreSQL, as an operator meets them', () => {
  let server: TestPostgresServer;
  beforeAll(requireBuild);
  beforeAll(async () => {
    server = await TestPostgresServer.start();
  });
  afterAll(() => server.stop());

  async function schemaExists(schema: string): Promise<boolean> {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      return rowCount === 1;
    } finally {
      await client.end();
    }
  }

  it('reads the queue in its --schema (or from DATABASE_URL), creates nothing, and says when it is not there', async () => {
    const name = uniqueQueueName();
    const connection = { connectionString: server.url, schema: 'tenant_a', migrate: true };
    const producer = new (Queue as unknown as new (...args: unknown[]) => Queue)(
      name,
      { connection },
      createPostgresBackend,
    );
    const worker = failingWorker(name, { connection }, undefined, createPostgresBackend);
    try {
      await producer.add(groupRecall().callbackCommand, groupRecall());
      const [job] = await deadLetters(producer, 1);

      const defaultSchema = await runInProcess(['failed', '--queue', name, '--postgres', server.url]);
      expect(defaultSchema).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `tencent-chat-recall-webhook: no queue '${name}' in PostgreSQL schema 'bullmq' (--postgres): ` +
          `check --queue and --schema against the receiver's Queue\n`,
      });
      expect(await schemaExists('bullmq')).toBe(false);

      const unknown = await runInProcess(['failed', '--queue', 'no-such-queue', '--schema', 'tenant_a'], {
        DATABASE_URL: server.url,
      });
      expect(unknown).toMatchObject({ code: 1, stdout: '' });
      expect(unknown.stderr).toContain("no queue 'no-such-queue' in PostgreSQL schema 'tenant_a' (DATABASE_URL)");
      const probe = new (Queue as unknown as new (...args: unknown[]) => Queue)(
        'no-such-queue',
        { connection: { connectionString: server.url, schema: 'tenant_a' }, skipMetasUpdate: true },
        createPostgresBackend,
      );
      expect(await probe.getVersion()).toBeNull(); // the listing left no meta behind
      await probe.close();

      const listed = await cli({ DATABASE_URL: server.url }, 'failed', '--queue', name, '--schema', 'tenant_a');
      expect(listed.code).toBe(3);
      expect(listed.stdout).toMatch(new RegExp(`^1 failed job in queue '${name}':\njob ${job.id}: group `));
      await worker.pause();
      const retried = await runInProcess(['retry', '--queue', name, '--postgres', server.url, '--schema', 'tenant_a']);
      expect(retried).toEqual({ code: 0, stdout: 'Moved 1 failed job back to waiting.\n', stderr: '' });
    } finally {
      await worker.close();
      await producer.close();
    }
  });
});

describe('dead-letter connection flags', () => {
  it.each([
    [['failed', '--queue', 'q', '--prefix', 'p', '--schema', 's'], 'failed: give only one of --prefix, --schema'],
    [
      ['failed', '--queue', 'q', '--postgres', 'postgres://a', '--prefix', 'p'],
      'failed: give only one of --postgres, --prefix',
    ],
    [['failed', '--queue', 'q', '--schema', 's'], 'failed: --schema needs --postgres URL or DATABASE_URL'],
    [['retry', '--queue', 'q', '--json'], 'retry: --json is for failed'],
    [['failed', '--queue', 'q', '--redis-cluster'], 'failed: in a Redis Cluster a queue'],
  ])('%j is bad usage, with the hint to the command help', async (argv, reason) => {
    const outcome = await runInProcess(argv);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain(`tencent-chat-recall-webhook: ${reason}`);
    expect(outcome.stderr).toContain(`Run 'tencent-chat-recall-webhook ${argv[0]} --help' for usage.`);
  });
});

describeWithRedis('failed and retry on a Redis Cluster of three nodes', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await TestRedisCluster.start();
  });
  afterAll(() => cluster?.stop());

  it('reaches the queue through any node with --redis-cluster and a hash-tagged prefix', async () => {
    const name = uniqueQueueName();
    const seed = () => new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    const producerConnection = seed();
    const workerConnection = seed();
    const options = (connection: Cluster) => ({ connection, prefix: '{tenant-a}' });
    const producer = new Queue(name, options(producerConnection));
    const worker = failingWorker(name, options(workerConnection));
    try {
      const added = await producer.add(groupRecall().callbackCommand, groupRecall());
      await deadLetters(producer, 1);
      await worker.pause();
      for (const url of cluster.urls) {
        const listed = await runInProcess([
          'failed',
          '--queue',
          name,
          '--redis',
          url,
          '--redis-cluster',
          '--prefix',
          '{tenant-a}',
        ]);
        expect({ url, code: listed.code, stderr: listed.stderr }).toEqual({ url, code: 3, stderr: '' });
        expect(listed.stdout).toMatch(new RegExp(`^1 failed job in queue '${name}':\njob ${added.id}: group `));
      }
      const retried = await runInProcess([
        'retry',
        '--queue',
        name,
        '--redis',
        cluster.urls[2],
        '--redis-cluster',
        '--prefix',
        '{tenant-a}',
      ]);
      expect(retried).toEqual({ code: 0, stdout: 'Moved 1 failed job back to waiting.\n', stderr: '' });
      expect(await producer.getWaitingCount()).toBe(1);
    } finally {
      await worker.close();
      await producer.close();
      producerConnection.disconnect();
      workerConnection.disconnect();
    }
  });
});
