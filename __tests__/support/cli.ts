/** The CLI run as the built command (spawned, as an operator runs it) or in process (so the coverage sees it). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { run } from '../../lib/cli/index';
import { BUILT_CLI } from './build';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

const execFileAsync = promisify(execFile);

/** Spawns the built command with `env` as its whole environment. */
export async function runBuiltCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BUILT_CLI, ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Runs the CLI in this process; `env` replaces `process.env` when given. */
export async function runCliInProcess(argv: readonly string[], env?: Record<string, string>): Promise<CliOutcome> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, {
    stdout: (text) => out.push(text + '\n'),
    stderr: (text) => err.push(text + '\n'),
    ...(env && { env }),
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
