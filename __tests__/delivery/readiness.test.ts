/** createReadinessCheck against a real redis-server: up, frozen, stopped; and its handlers on each runtime. */
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { createReadinessCheck, type Readiness } from '../../lib/entries';
import { describeWithRedis, uniqueQueueName } from '../support/bullmq';
import { TestRedisServer } from '../support/redis-server';

jest.setTimeout(30_000);

describe('createReadinessCheck options', () => {
  it('needs a queue with isPaused and a positive whole timeoutMs', () => {
    expect(() => createReadinessCheck({} as never)).toThrow(/createReadinessCheck: "queue" is required/);
    expect(() => createReadinessCheck({ queue: {} as never })).toThrow(/queue.isPaused/);
    const queue = { isPaused: async () => false };
    expect(() => createReadinessCheck({ queue, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createReadinessCheck({ queue, timeoutMs: undefined })).not.toThrow();
  });

  it('shares one probe among the checks that come while it is under way', async () => {
    let asked = 0;
    let answer!: () => void;
    const check = createReadinessCheck({
      queue: { isPaused: () => new Promise<boolean>((resolve) => (asked++, (answer = () => resolve(false)))) },
    });
    const both = Promise.all([check(), check()]);
    answer();
    expect(await both).toEqual([{ ready: true }, { ready: true }]);
    expect(asked).toBe(1);
    const third = check();
    answer();
    await third;
    expect(asked).toBe(2);
  });
});

describeWithRedis('createReadinessCheck on Redis', () => {
  let server: TestRedisServer;
  let redis: IORedis;
  let queue: Queue;

  beforeEach(async () => {
    server = await TestRedisServer.start();
    // The test owns the connection, so it can end it once the server is gone; as a receiver's,
    // its commands fail at once while it is down.
    redis = new IORedis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, disconnectTimeout: 100 });
    queue = new Queue(uniqueQueueName(), { connection: redis });
    queue.on('error', () => {});
    await queue.waitUntilReady();
  });
  afterEach(async () => {
    server.resume();
    await queue.close();
    redis.disconnect();
    await server.stop();
  });

  it('is ready while the store answers', async () => {
    const check = createReadinessCheck({ queue, timeoutMs: 500 });
    expect(await check()).toEqual({ ready: true });
  });

  it('is not ready while the store is frozen, and ready again once it answers', async () => {
    const check = createReadinessCheck({ queue, timeoutMs: 200 });
    server.pause();
    expect(await check()).toEqual({ ready: false, reason: "the queue's store did not answer within 200 ms" });
    server.resume();
    expect(await check()).toEqual({ ready: true });
  });

  it('is not ready once the store is gone', async () => {
    const check = createReadinessCheck({ queue, timeoutMs: 500 });
    await server.stop();
    const readiness = await check();
    expect(readiness.ready).toBe(false);
    expect(readiness.reason).toMatch(/^the queue's store (failed: |did not answer)/);
  });

  describe('answering a load balancer', () => {
    // The three handlers docs/observability.md shows.
    const express200or503 = (check: () => Promise<Readiness>) => {
      const app = express();
      app.get('/ready', async (_req, res) => {
        const { ready } = await check();
        res.status(ready ? 200 : 503).end();
      });
      return createServer(app);
    };
    const node200or503 = (check: () => Promise<Readiness>) =>
      createServer((req, res) => {
        if (req.url !== '/ready') return void res.writeHead(404).end();
        void check().then(({ ready }) => res.writeHead(ready ? 200 : 503).end());
      });
    const fetch200or503 =
      (check: () => Promise<Readiness>) =>
      async (request: Request): Promise<Response> =>
        new URL(request.url).pathname === '/ready'
          ? new Response(null, { status: (await check()).ready ? 200 : 503 })
          : new Response(null, { status: 404 });

    async function statusesOverHttp(server: ReturnType<typeof createServer>): Promise<number[]> {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`;
      try {
        const up = (await fetch(url)).status;
        server.closeIdleConnections();
        await stopStore();
        return [up, (await fetch(url)).status];
      } finally {
        server.closeAllConnections();
        server.close();
      }
    }
    const stopStore = () => server.stop();

    it('Express: 200, then 503 once the store is gone', async () => {
      const check = createReadinessCheck({ queue, timeoutMs: 300 });
      expect(await statusesOverHttp(express200or503(check))).toEqual([200, 503]);
    });

    it('node:http: 200, then 503 once the store is gone', async () => {
      const check = createReadinessCheck({ queue, timeoutMs: 300 });
      expect(await statusesOverHttp(node200or503(check))).toEqual([200, 503]);
    });

    it('Fetch: 200, then 503 once the store is gone', async () => {
      const handler = fetch200or503(createReadinessCheck({ queue, timeoutMs: 300 }));
      expect((await handler(new Request('http://localhost/ready'))).status).toBe(200);
      await stopStore();
      expect((await handler(new Request('http://localhost/ready'))).status).toBe(503);
    });
  });
});
