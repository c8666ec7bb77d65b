import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export const REDIS_INSTALL_HINT =
  'install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS)';

/** True when a `redis-server` binary is on the PATH. */
export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A throwaway redis-server on a loopback port, without persistence. */
export class TestRedisServer {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port; tries again on another port if the first was taken meanwhile. */
  static async start(): Promise<TestRedisServer> {
    for (let attempt = 1; ; attempt++) {
      const server = new TestRedisServer(await freeLoopbackPort());
      try {
        await server.launch();
        return server;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  private launch(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process = child;
    let output = '';
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        settle(new Error('redis-server did not start within 10 s'));
      }, 10_000);
      const onExit = (code: number | null) => settle(new Error(`redis-server exited with ${code}`));
      const onOutput = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) settle();
      };
      function settle(error?: Error): void {
        clearTimeout(timer);
        child.off('exit', onExit).off('error', settle);
        child.stdout!.off('data', onOutput).resume();
        child.stderr!.off('data', onOutput).resume();
        if (error) reject(new Error(`${error.message}\n${output}`));
        else resolve();
      }
      child.stdout!.on('data', onOutput);
      child.stderr!.on('data', onOutput);
      child.once('exit', onExit).once('error', settle);
    });
  }

  /** Stops the server and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}

async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
