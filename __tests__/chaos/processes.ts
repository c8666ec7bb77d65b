/** The chaos test's child processes: receivers and workers, each a node script on the built package. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const OUTPUT_KEPT = 4000;

/**
 * A script from this folder running in its own node process. The script tells it is ready with an
 * IPC message (`{ ready: true, port? }`) and exits by itself when the IPC channel closes, so a
 * child never outlives the test, even one that was killed.
 */
export class ChildScript {
  /** The end of what the child wrote to stdout and stderr, for the failure message. */
  output = '';
  /** Set when the child exited without the test killing it. */
  unexpectedExit: string | undefined;
  port: number | undefined;
  private killedByTest = false;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-OUTPUT_KEPT));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => {
      if (!this.killedByTest) this.unexpectedExit = `${name} exited by itself (${signal ?? code}):\n${this.output}`;
    });
  }

  /** Starts `script` with `env` added to this process's environment; resolves once it is ready. */
  static async start(
    name: string,
    script: string,
    env: Record<string, string>,
    timeoutMs: number,
  ): Promise<ChildScript> {
    const child = fork(join(__dirname, script), [], {
      env: { ...process.env, ...env },
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const started = new ChildScript(name, child);
    try {
      await started.ready(timeoutMs);
      return started;
    } catch (error) {
      await started.kill();
      throw new Error(`${name}: ${(error as Error).message}\n${started.output}`, { cause: error });
    }
  }

  private ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: { ready?: boolean; port?: number }) => {
        if (!message.ready) return;
        this.port = message.port;
        settle();
      };
      const onExit = (code: number | null, signal: string | null) => settle(new Error(`exited with ${signal ?? code}`));
      const settle = (error?: Error) => {
        clearTimeout(timer);
        this.child.off('message', onMessage).off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      this.child.on('message', onMessage).once('exit', onExit);
    });
  }

  /** Kills the child with SIGKILL, as a crash or the OOM killer would, and waits for it to exit. */
  async kill(): Promise<void> {
    this.killedByTest = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}
