/** What every command of the CLI shares: where it writes, its exit codes, usage errors, safe printing. */
import { escapeControl, escapeControlKeepingLines } from '../delivery/log';

/** Where the CLI writes; each call is one or more whole lines. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The environment variables the commands read (REDIS_URL, DATABASE_URL); `process.env` by default. */
  env?: Environment;
}

export type Environment = Readonly<Record<string, string | undefined>>;

export const PROGRAM = 'tencent-chat-recall-webhook';

export const EXIT_OK = 0;
/** The command could not do its work: a failed answer, an unreachable store, an unknown queue... */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Bad usage; `helpCommand` is the command whose `--help` the hint names. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly helpCommand?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** One command family: runs on the arguments after the command's name and resolves to the exit code. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

export function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** Writes a usage error with the hint to the relevant help, and gives the exit code. */
export function reportUsage(error: Error, io: CliIo, helpCommand: string | undefined): number {
  const reason = escapeControl(error.message.replace(/\s*\n\s*/g, ' '));
  const hint = helpCommand ? `'${PROGRAM} ${helpCommand} --help'` : `'${PROGRAM} --help' or '${PROGRAM} send --help'`;
  io.stderr(`${PROGRAM}: ${reason}\nRun ${hint} for usage.`);
  return EXIT_USAGE;
}

// The log's escaping: the CLI prints text from outside with the same set escaped.
export { escapeControl, escapeControlKeepingLines };
