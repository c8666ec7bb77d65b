/** What every command of the CLI shares: where it writes, its exit codes, usage errors, safe printing. */

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

// C0 and C1 controls, DEL, the line and paragraph separators, and the bidirectional overrides
// and isolates: what could move a terminal's cursor, forge a line or reorder the text around it.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCharacter(character: string): string {
  const code = character.charCodeAt(0);
  return (
    NAMED_ESCAPES[character] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`)
  );
}

/**
 * Text from outside the CLI (job data, error messages, a server's answer) as one printable line:
 * control characters written as escapes (`\n`, `\x1b`...), so that it cannot forge lines or
 * drive the terminal.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeCharacter);
}

/** Like `escapeControl`, but keeps newlines: for multi-line text the CLI prints line by line. */
export function escapeControlKeepingLines(text: string): string {
  return text.replace(CONTROL_EXCEPT_NEWLINE, escapeCharacter);
}
