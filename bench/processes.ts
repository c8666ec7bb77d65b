// The processes a run starts (benchmark servers, redis-server), tracked so that none outlives it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import IORedis from 'ioredis';
import { QUEUE_KINDS, type ServerKind, type ServerReply } from './protocol';

// This file runs as dist-bench/bench/processes.js.
export const ROOT = resolve(__dirname, '..', '..');

const children = new Set<ChildProcess>();

export function stopChildren(): void {
  for (const child of children) child.kill();
  children.clear();
}

/** Runs a compiled script of bench/ in a fresh Node process (pinned when `prefix` is set). */
export function nodeCommand(prefix: string[], nodeArgs: string[], script: string, args: string[]): [string, string[]] {
  const command = [...prefix, process.execPath, ...nodeArgs, join(__dirname, script), ...args];
  return [command[0], command.slice(1)];
}

export interface ServerHandle {
  kind: ServerKind;
  port: number;
  pid: number;
  /** Settles when the server process has exited. */
  exited: Promise<unknown>;
  sample(collectGarbage?: boolean): Promise<Extract<ServerReply, { type: 'sample' }>>;
  stop(): void;
}

export function startServer(
  kind: ServerKind,
  prefix: string[],
  nodeArgs: string[] = [],
  redis?: RedisHandle,
): Promise<ServerHandle> {
  const [command, args] = nodeCommand(prefix, nodeArgs, 'server.js', [kind, ...(redis ? [redis.url] : [])]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  const nextReply = <T extends ServerReply['type']>(type: T) =>
    new Promise<Extract<ServerReply, { type: T }>>((resolveReply, reject) => {
      const onMessage = (message: ServerReply) => {
        if (message.type !== type) return;
        cleanup();
        resolveReply(message as Extract<ServerReply, { type: T }>);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`server ${kind} exited with ${code} before answering`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  return nextReply('listening').then(({ port }) => ({
    kind,
    port,
    pid: child.pid!,
    exited: new Promise((resolveExit) => child.once('exit', resolveExit)),
    sample(collectGarbage = false) {
      const reply = nextReply('sample');
      child.send({ type: 'sample', collectGarbage });
      return reply;
    },
    stop() {
      child.disconnect();
      children.delete(child);
    },
  }));
}

/**
 * The redis-server the queue kinds add their jobs to: on loopback, pinned like the servers,
 * without persistence (the figure compared is the Node process's CPU, not Redis's fsync).
 */
export interface RedisHandle {
  url: string;
  /** How many jobs wait in the queue of a queue kind (bench/server.ts names it bench-<kind>). */
  waitingJobs(kind: ServerKind): Promise<number>;
  /** Empties Redis between rounds, outside the measured window, so it does not fill up. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

export async function startRedis(prefix: string[]): Promise<RedisHandle> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`${QUEUE_KINDS.join(' and ')} need redis-server on the PATH; or leave them out with --servers`);
  }
  const port = await freePort();
  const command = [...prefix, 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  command.push('--appendonly', 'no');
  const child = spawn(command[0], command.slice(1), { stdio: 'ignore' });
  children.add(child);
  const url = `redis://127.0.0.1:${port}`;
  const client = new IORedis(url, { maxRetriesPerRequest: 3, retryStrategy: (times) => (times > 50 ? null : 100) });
  client.on('error', () => undefined);
  await client.ping();
  return {
    url,
    waitingJobs: (kind) => client.llen(`bull:bench-${kind}:wait`),
    flush: async () => void (await client.flushall()),
    async stop() {
      client.disconnect();
      children.delete(child);
      child.kill();
      await once(child, 'exit');
    },
  };
}
