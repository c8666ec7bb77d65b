/** Helpers for the tests of the queue mode: real servers, BullMQ queues and recall workers on them. */
import { once } from 'node:events';
import { createPostgresBackend, Queue, type Job, type Worker } from 'bullmq';
import { postgresBinDir, POSTGRES_INSTALL_HINT, TestPostgresServer } from './postgres-server';
import { REDIS_INSTALL_HINT, redisServerInstalled, TestRedisServer } from './redis-server';
import { describeWithServer } from './required-server';

export const describeWithRedis = describeWithServer(
  'redis-server',
  redisServerInstalled(),
  'REQUIRE_REDIS',
  REDIS_INSTALL_HINT,
);
export const describeWithPostgres = describeWithServer(
  'PostgreSQL',
  postgresBinDir() !== undefined,
  'REQUIRE_POSTGRES',
  POSTGRES_INSTALL_HINT,
);

let queueCount = 0;
/** A queue name no other test in this process uses. */
export function uniqueQueueName(): string {
  return `recalls-${process.pid}-${++queueCount}`;
}

/** How a test reaches one of the two backends: what `Queue` and `Worker` take after the options. */
export interface Backend {
  name: string;
  /** The `connection` option for a producer: fails fast when the store is down. */
  producerConnection(): object | string;
  /** The `connection` option for a worker. */
  workerConnection(): object | string;
  /** The last argument of `Queue`/`Worker`: undefined for Redis. */
  factory: typeof createPostgresBackend | undefined;
  /** The CLI's flag for this store. */
  cliFlags(): string[];
  stop(): Promise<void>;
}

export async function startRedisBackend(): Promise<Backend & { server: TestRedisServer }> {
  const server = await TestRedisServer.start();
  return {
    name: 'Redis',
    server,
    producerConnection: () => ({ url: server.url, enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
    workerConnection: () => ({ url: server.url }),
    factory: undefined,
    cliFlags: () => ['--redis', server.url],
    stop: () => server.stop(),
  };
}

export async function startPostgresBackend(): Promise<Backend & { server: TestPostgresServer }> {
  const server = await TestPostgresServer.start();
  // The first connection creates BullMQ's schema; later ones find it there.
  return {
    name: 'PostgreSQL',
    server,
    producerConnection: () => ({ connectionString: server.url, migrate: true }),
    workerConnection: () => ({ connectionString: server.url, migrate: true }),
    factory: createPostgresBackend,
    cliFlags: () => ['--postgres', server.url],
    stop: () => server.stop(),
  };
}

/** A `Queue` on the backend, as a receiver opens it. */
export function openQueue(backend: Backend, name: string, defaultJobOptions?: object): Queue {
  const options = { connection: backend.producerConnection(), ...(defaultJobOptions && { defaultJobOptions }) };
  return new (Queue as unknown as new (...args: unknown[]) => Queue)(name, options, backend.factory);
}

/** Resolves with the next job the worker reports under `event` ('completed' or 'failed'). */
export async function nextJob(worker: Worker, event: 'completed' | 'failed'): Promise<Job> {
  const [job] = (await once(worker as never, event)) as [Job];
  return job;
}
