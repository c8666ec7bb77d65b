import type { RecallLog } from './types';

// Looked up on each call, so that a console patched later (by a test or a logger) is used.
const CONSOLE_LOG: RecallLog = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
});

/**
 * The `log` option with every level filled: the user's logger for the levels it has, called on
 * the logger itself (pino's and winston's methods use `this`), the console's defaults for the rest.
 */
export function normalizeLog(log: Partial<RecallLog> | undefined): RecallLog {
  return log ? new FilledLog(log) : CONSOLE_LOG;
}

class FilledLog implements RecallLog {
  constructor(private readonly target: Partial<RecallLog>) {}

  debug(message: string): void {
    this.write('debug', message);
  }
  info(message: string): void {
    this.write('info', message);
  }
  warn(message: string): void {
    this.write('warn', message);
  }
  error(message: string): void {
    this.write('error', message);
  }

  // A logger that throws must not take the answer, the recall or the process with it: the line
  // goes to the console instead.
  private write(level: keyof RecallLog, message: string): void {
    if (typeof this.target[level] !== 'function') {
      CONSOLE_LOG[level](message);
      return;
    }
    try {
      this.target[level](message);
    } catch {
      CONSOLE_LOG.error(message);
    }
  }
}

// C0 and C1 controls (U+0085 among them), DEL, the line and paragraph separators, and the
// bidirectional overrides and isolates: what could end a log line early, forge one, move a
// terminal's cursor (CSI, U+009B) or reorder the text around it. The log and the CLI escape this
// one set.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Partial<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCharacter(character: string): string {
  const code = character.charCodeAt(0);
  return (
    NAMED_ESCAPES[character] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`)
  );
}

/**
 * Text from outside (a request's fields and path, error messages, a server's answer) as one
 * printable line: control characters written as escapes (`\n`, `\x1b`, `\u2028`...), so that it
 * cannot forge lines, drive a terminal or reorder what a reader sees.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeCharacter);
}

/** Like `escapeControl`, but keeps newlines: for multi-line text printed line by line. */
export function escapeControlKeepingLines(text: string): string {
  return text.replace(CONTROL_EXCEPT_NEWLINE, escapeCharacter);
}

export type LogLevel = 'warn' | 'error';

/** How many lines of one kind are written in a window before the rest are only counted. */
export const LINES_PER_WINDOW = 5;
export const WINDOW_MS = 60_000;
/**
 * How many kinds a window tells apart; the lines of further kinds share one more, `OTHER_KINDS`.
 * A kind should never hold what a sender chose, but should one, lines and windows stay bounded.
 */
export const KINDS_PER_WINDOW = 20;
export const OTHER_KINDS = 'other failures';

/**
 * Writes failures through `log` without flooding it: of each kind (a status and the error's
 * class, never a message a sender can vary), the first few lines in a minute are written as they
 * come, the rest are counted and summarised in one line when the minute ends. Every line is
 * escaped (`escapeControl`) as it is written.
 */
export interface FailureLog {
  report(level: LogLevel, kind: string, message: string): void;
}

export function createFailureLog(log: RecallLog): FailureLog {
  const windows = new Map<string, { written: number; suppressed: number; level: LogLevel }>();

  function write(level: LogLevel, line: string): void {
    log[level](`tencent-chat-recall-webhook: ${escapeControl(line)}`);
  }

  function closeWindow(kind: string): void {
    const window = windows.get(kind);
    windows.delete(kind);
    if (window && window.suppressed > 0) {
      write(window.level, `${window.suppressed} more like "${kind}" in the last ${WINDOW_MS / 1000} s`);
    }
  }

  return {
    report(level, reportedKind, message) {
      const kind = windows.has(reportedKind) || windows.size < KINDS_PER_WINDOW ? reportedKind : OTHER_KINDS;
      let window = windows.get(kind);
      if (!window) {
        window = { written: 0, suppressed: 0, level };
        windows.set(kind, window);
        // Unref'd: a summary still due must not keep a process alive that is otherwise done.
        setTimeout(closeWindow, WINDOW_MS, kind).unref();
      }
      if (window.written < LINES_PER_WINDOW) {
        window.written++;
        write(level, message);
      } else {
        window.suppressed++;
        // Of several kinds sharing OTHER_KINDS, the summary takes the gravest level.
        if (level === 'error') window.level = 'error';
      }
    },
  };
}

/**
 * Calls a user's error hook; a throw or a rejected promise is caught and handed to `onFailure`,
 * so an async hook cannot end the process with an unhandled rejection.
 */
export function callHook(hook: () => unknown, onFailure: (error: unknown) => void): void {
  try {
    const result = hook();
    if (isThenable(result)) Promise.resolve(result).catch(onFailure);
  } catch (error) {
    onFailure(error);
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
