// Starts bench/reconcile-fake in a child process and talks to it.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { extname, join } from 'node:path';
import type { FakeRequest } from './reconcile-fake';

export interface FakeProcess {
  baseUrl: string;
  child: ChildProcess;
  ask<T>(request: FakeRequest): Promise<T>;
  close(): Promise<void>;
}

/** Forks the fake (its compiled file, or its source through tsx when run from TypeScript). */
export async function forkFake(env: NodeJS.ProcessEnv = {}): Promise<FakeProcess> {
  const fromSource = extname(__filename) === '.ts';
  const child = fork(join(__dirname, `reconcile-fake${fromSource ? '.ts' : '.js'}`), [], {
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ type: string; baseUrl: string }];
  let nextId = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  child.on('message', (message: { id?: number; result?: unknown }) => {
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  return {
    baseUrl: ready.baseUrl,
    child,
    ask<T>(request: FakeRequest) {
      const id = ++nextId;
      return new Promise<T>((resolve) => {
        waiting.set(id, (result) => {
          waiting.delete(id);
          resolve(result as T);
        });
        child.send({ id, ...request });
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ id: 0, type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
