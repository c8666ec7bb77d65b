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

export type LogLevel = 'warn' | 'error';

/** How many lines of one kind are written in a window before the rest are only counted. */
export const LINES_PER_WINDOW = 5;
export const WINDOW_MS = 60_000;

/**
 * Writes failures through `log` without flooding it: of each kind (a status and reason), the
 * first few lines in a minute are written as they come, the rest are counted and summarised in
 * one line when the minute ends.
 */
export interface FailureLog {
  report(level: LogLevel, kind: string, message: string): void;
}

export function createFailureLog(log: RecallLog): FailureLog {
  const windows = new Map<string, { written: number; suppressed: number; level: LogLevel }>();

  function closeWindow(kind: string): void {
    const window = windows.get(kind);
    windows.delete(kind);
    if (window && window.suppressed > 0) {
      log[window.level](
        `tencent-chat-recall-webhook: ${window.suppressed} more like "${kind}" in the last ${WINDOW_MS / 1000} s`,
      );
    }
  }

  return {
    report(level, kind, message) {
      let window = windows.get(kind);
      if (!window) {
        window = { written: 0, suppressed: 0, level };
        windows.set(kind, window);
        // Unref'd: a summary still due must not keep a process alive that is otherwise done.
        setTimeout(closeWindow, WINDOW_MS, kind).unref();
      }
      if (window.written < LINES_PER_WINDOW) {
        window.written++;
        log[level](`tencent-chat-recall-webhook: ${message}`);
      } else {
        window.suppressed++;
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
