/**
 * How the CLI's queue commands close their queue against a real redis-server: at once when Redis
 * answers, and within a bound when Redis froze after the queue connected (else the command, and
 * the cron job running it, would never exit).
 */
import type { Queue } from 'bullmq';
import { closeQueue, QUEUE_CLOSE_TIMEOUT_MS } from '../../lib/cli/dead-letters';
import { PROGRAM, type CliIo } from '../../lib/cli/io';
import { FAST_FAILING_REDIS, openQueue } from '../../lib/durable/dead-letters';
import { describeWithRedis, uniqueQueueName } from '../support/bullmq';
import { TestRedisServer } from '../support/redis-server';

jest.setTimeout(30_000);

/** The open TCP sockets of this process: the queue's connection keeps the process alive while it is open. */
const openSockets = () => process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;

/** Time for the event loop and the test's own work on top of the bounds. */
const SLACK_MS = 1000;

describeWithRedis('closing a queue command’s queue', () => {
  let server: TestRedisServer;
  let queue: Queue;
  let stderr: string[];
  const io: CliIo = { stdout: () => undefined, stderr: (text) => stderr.push(text) };

  beforeAll(async () => {
    server = await TestRedisServer.start();
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    stderr = [];
    queue = openQueue(uniqueQueueName(), { redis: server.url });
    await queue.waitUntilReady();
  });
  afterEach(async () => {
    server.resume();
    await queue.disconnect();
  });

  it('closes at once, and says nothing, when Redis answers', async () => {
    const started = Date.now();
    await closeQueue(queue, io);
    expect(Date.now() - started).toBeLessThan(SLACK_MS);
    expect(stderr).toEqual([]);
  });

  it('drops the connection after the bound when Redis froze, and says so on stderr', async () => {
    const socketsBefore = openSockets();
    server.pause();
    const started = Date.now();
    await closeQueue(queue, io);
    const elapsed = Date.now() - started;
    // Timers count from the event loop's cached time, which can be a few ms behind Date.now().
    expect(elapsed).toBeGreaterThanOrEqual(QUEUE_CLOSE_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(QUEUE_CLOSE_TIMEOUT_MS + FAST_FAILING_REDIS.disconnectTimeout + SLACK_MS);
    expect(stderr).toEqual([
      `${PROGRAM}: queue '${queue.name}' did not close within 5 s (its store does not answer): dropped the connection`,
    ]);
    expect(openSockets()).toBe(socketsBefore - 1);
  });
});
