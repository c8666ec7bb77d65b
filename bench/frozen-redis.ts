/**
 * The receiver's memory under a hung Redis: a redis-server frozen with SIGSTOP (connections open,
 * nothing answered) while a flood of large recalls arrives. Each add that waits for Redis holds
 * its event; `queueMaxPendingAdds` bounds how many wait. Runs the receiver in a child process per
 * setting, reads its RSS after the flood, and prints a table.
 *
 *   npm run bench:frozen-redis [-- --recalls 3000 --kilobytes 60]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { createRecallListener } from '../lib/entries/node';
import { createCallbackQuery, createRecallEvent, DEMO_SDK_APP_ID } from '../lib/testing/index';

const CONCURRENCY = 64;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** The child: a receiver in durable mode on the given Redis, answering its parent's `rss` questions. */
async function receiver(redisUrl: string, maxPendingAdds: number): Promise<void> {
  const queue = new Queue('frozen-redis-bench', {
    connection: { url: redisUrl, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  });
  await queue.waitUntilReady();
  const server = createHttpServer(
    createRecallListener({
      sdkAppId: DEMO_SDK_APP_ID,
      queue,
      queueMaxPendingAdds: maxPendingAdds,
      log: { warn() {}, error() {} },
    }),
  ).listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.on('message', (message) => {
    if (message === 'rss') {
      global.gc?.();
      process.send!({ rss: process.memoryUsage().rss });
    }
  });
  process.send!({ port: (server.address() as AddressInfo).port });
}

function ask<T>(child: ChildProcess, question?: string): Promise<T> {
  const answer = once(child, 'message') as Promise<[T]>;
  if (question) child.send(question);
  return answer.then(([value]) => value);
}

async function flood(url: string, recalls: number, kilobytes: number): Promise<Record<number, number>> {
  const body = JSON.stringify({ ...createRecallEvent(), Padding: 'x'.repeat(kilobytes * 1024) });
  const statuses: Record<number, number> = {};
  let next = 0;
  async function sender(): Promise<void> {
    while (next < recalls) {
      const query = new URLSearchParams(createCallbackQuery(DEMO_SDK_APP_ID));
      next++;
      const response = await fetch(`${url}?${query}`, { method: 'POST', body });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, sender));
  return statuses;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { recalls: { type: 'string', default: '3000' }, kilobytes: { type: 'string', default: '60' } },
  });
  const recalls = Number(values.recalls);
  const kilobytes = Number(values.kilobytes);
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const redisUrl = `redis://127.0.0.1:${port}`;
  console.log(`${recalls} recalls of ${kilobytes} kB, ${CONCURRENCY} at a time, into a frozen redis-server`);
  console.log('| queueMaxPendingAdds | RSS before | RSS after the flood | answers |');
  console.log('| --- | --- | --- | --- |');
  try {
    for (const maxPendingAdds of [200, 1000, Number.MAX_SAFE_INTEGER]) {
      const child = fork(__filename, ['--receiver', redisUrl, String(maxPendingAdds)], {
        execArgv: ['--expose-gc'],
        stdio: 'inherit',
      });
      const { port: receiverPort } = await ask<{ port: number }>(child);
      const before = await ask<{ rss: number }>(child, 'rss');
      redis.kill('SIGSTOP');
      const statuses = await flood(`http://127.0.0.1:${receiverPort}/`, recalls, kilobytes);
      const after = await ask<{ rss: number }>(child, 'rss');
      redis.kill('SIGCONT');
      child.kill('SIGKILL');
      await once(child, 'exit');
      const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
      const label = maxPendingAdds === Number.MAX_SAFE_INTEGER ? 'unbounded' : String(maxPendingAdds);
      const answers = Object.entries(statuses)
        .map(([status, count]) => `${count} × ${status}`)
        .join(', ');
      console.log(`| ${label} | ${mb(before.rss)} | ${mb(after.rss)} | ${answers} |`);
    }
  } finally {
    redis.kill('SIGCONT');
    redis.kill('SIGTERM');
  }
}

if (process.argv[2] === '--receiver') {
  void receiver(process.argv[3], Number(process.argv[4]));
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
