import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

/**
 * Starts a server process and resolves once its output contains `readyLine`; rejects (with the
 * output so far) when it exits first or is not ready within `timeoutMs`.
 */
export function spawnServer(
  command: string,
  args: readonly string[],
  readyLine: string,
  timeoutMs: number,
  options: Omit<SpawnOptions, 'stdio'> = {},
): Promise<ChildProcess> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const name = command.split('/').pop();
  let output = '';
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(new Error(`${name} did not start within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onExit = (code: number | null) => settle(new Error(`${name} exited with ${code}`));
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyLine)) settle();
    };
    function settle(error?: Error): void {
      clearTimeout(timer);
      child.off('exit', onExit).off('error', settle);
      child.stdout!.off('data', onOutput).resume();
      child.stderr!.off('data', onOutput).resume();
      if (error) reject(new Error(`${error.message}\n${output}`));
      else resolve(child);
    }
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.once('exit', onExit).once('error', settle);
  });
}

/**
 * Sends `signal` to a process this test started, unless it already exited, and waits for it to
 * exit; with `escalate`, sends that signal too if the process is still running after `afterMs`.
 */
export async function stopProcess(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals,
  escalate?: { signal: NodeJS.Signals; afterMs: number },
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer =
    escalate &&
    setTimeout(() => {
      // Says which suite left something behind that kept the process from stopping.
      console.warn(
        `${child.spawnfile} still running ${escalate.afterMs} ms after ${signal}: sending ${escalate.signal}`,
      );
      child.kill(escalate.signal);
    }, escalate.afterMs);
  await exited;
  clearTimeout(timer);
}
