import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { spawnServer, stopProcess } from './server-process';

export const REDIS_INSTALL_HINT =
  'install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS)';

/** True when a `redis-server` binary is on the PATH. */
export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface TestRedisServerOptions {
  /**
   * Keeps an append-only file in this folder, fsynced on every write (`appendfsync always`), so
   * that a server killed and restarted with `restart()` keeps everything it acknowledged.
   * Without it the server persists nothing.
   */
  appendOnlyDir?: string;
}

/** A throwaway redis-server on a loopback port. */
export class TestRedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly options: TestRedisServerOptions,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port; tries again on another port if the first was taken meanwhile. */
  static async start(options: TestRedisServerOptions = {}): Promise<TestRedisServer> {
    for (let attempt = 1; ; attempt++) {
      const server = new TestRedisServer(await freeLoopbackPort(), options);
      try {
        await server.launch();
        return server;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  private async launch(): Promise<void> {
    const { appendOnlyDir } = this.options;
    const persistence = appendOnlyDir
      ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', appendOnlyDir]
      : ['--appendonly', 'no'];
    this.process = await spawnServer(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence],
      'Ready to accept connections',
      10_000,
    );
  }

  /** Kills the server with SIGKILL, as a crash would, and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await stopProcess(child, 'SIGKILL');
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing is answered, as with a hung server. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  /** Lets a paused server go on (SIGCONT). */
  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Starts the server again on the same port (and append-only folder) after `kill()` or `stop()`. */
  async restart(): Promise<void> {
    if (this.process) throw new Error('redis-server is still running');
    await this.launch();
  }

  /** Stops the server and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    child?.kill('SIGCONT');
    await stopProcess(child, 'SIGTERM');
  }
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
