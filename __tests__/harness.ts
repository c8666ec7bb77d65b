/** Runs a behaviour-table case's handler and checks the answer the same way for every adapter. */
import { type ErrorContext, type HandlerOption, type RecallEvent, type RecallWebhookOptions } from '../lib/entries';
import { COMMANDS, HANDLER_OPTIONS, isRecallCommand } from '../lib/protocol/commands';
import { SIGN_CHALLENGE } from '../lib/protocol/answers';
import { signRequestTime } from '../lib/testing/index';
import { OK_BODY, SDK_APP_ID, SECRET, type Behaviour, type Case } from './cases';

export const SLOW_MS = 500;

export interface Recorder<Req> {
  options: RecallWebhookOptions<Req>;
  events: RecallEvent[];
  /** Which handler got each event. */
  handlers: HandlerOption[];
  requests: Req[];
  errors: Array<{ error: unknown; context: ErrorContext<Req> }>;
  /** Resolves when a handler has been called. */
  invoked: Promise<void>;
  /** Resolves when the handler's own work has finished (success or failure). */
  finished: Promise<void>;
  /** True once the handler's own work has finished. */
  settled: boolean;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function run(behaviour: Behaviour, finish: () => void): unknown {
  switch (behaviour) {
    case 'return':
      finish();
      return undefined;
    case 'resolve':
      return delay(1).finally(finish);
    case 'throw':
      finish();
      throw new Error(`boom ${SECRET}`);
    case 'reject':
      return delay(1)
        .finally(finish)
        .then(() => Promise.reject(new Error(`async boom ${SECRET}`)));
    case 'reject-string':
      finish();
      return Promise.reject(`a string ${SECRET}`);
    case 'throw-object':
      finish();
      throw { detail: SECRET };
    case 'slow-resolve':
      return delay(SLOW_MS).finally(finish);
    case 'slow-reject':
      return delay(SLOW_MS)
        .finally(finish)
        .then(() => Promise.reject(new Error(`late boom ${SECRET}`)));
    case 'never-settle':
      finish();
      return new Promise(() => {});
  }
}

/** Every command's handler, recording alike; a case's options can take one away (`onC2CRecall: undefined`). */
export function recorder<Req>(testCase: Case): Recorder<Req> {
  const invoked = deferred();
  const finished = deferred();
  const handler =
    (name: HandlerOption) =>
    (event: RecallEvent, request: Req): unknown => {
      rec.events.push(event);
      rec.handlers.push(name);
      rec.requests.push(request);
      invoked.resolve();
      return run(testCase.behaviour ?? 'return', () => {
        rec.settled = true;
        finished.resolve();
      });
    };
  const rec: Recorder<Req> = {
    events: [],
    handlers: [],
    requests: [],
    errors: [],
    invoked: invoked.promise,
    finished: finished.promise,
    settled: false,
    options: {
      sdkAppId: SDK_APP_ID,
      ...Object.fromEntries(HANDLER_OPTIONS.map((name) => [name, handler(name)])),
      onError: (error, context) => {
        rec.errors.push({ error, context });
      },
      ...(testCase.options as Partial<RecallWebhookOptions<Req>>),
    },
  };
  return rec;
}

function withTimeout(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

export interface Answered {
  status: number;
  contentType: string | null;
  wwwAuthenticate: string | null;
  text: string;
  elapsedMs: number;
}

/** Asserts everything the table says about one answered (claimed) request. */
export async function checkAnswer<Req>(
  testCase: Case,
  rec: Recorder<Req>,
  answer: Answered,
  errorInfo: string | RegExp | undefined = testCase.expected.errorInfo,
): Promise<void> {
  const { expected } = testCase;
  expect(answer.status).toBe(expected.status);
  // The answer: exact content type and exactly the three fields.
  expect(answer.contentType).toBe('application/json; charset=utf-8');
  // RFC 9110: a 401 carries a challenge; no other answer does.
  expect(answer.wwwAuthenticate).toBe(expected.status === 401 ? SIGN_CHALLENGE : null);
  const parsed = JSON.parse(answer.text) as Record<string, unknown>;
  expect(Object.keys(parsed).sort()).toEqual(['ActionStatus', 'ErrorCode', 'ErrorInfo']);
  if (expected.actionStatus === 'OK') {
    expect(parsed).toEqual(OK_BODY);
  } else {
    expect(parsed.ActionStatus).toBe('FAIL');
    expect(parsed.ErrorCode).toBe(1);
    expect(typeof parsed.ErrorInfo).toBe('string');
    if (typeof errorInfo === 'string') expect(parsed.ErrorInfo).toContain(errorInfo);
    else if (errorInfo) expect(parsed.ErrorInfo).toMatch(errorInfo);
    // Never the expected id, nor what onRecall threw.
    expect(answer.text).not.toContain(String(SDK_APP_ID));
  }
  expect(answer.text).not.toContain(SECRET);
  assertNoSecrets(testCase, answer.text);
  if (expected.minElapsedMs !== undefined) expect(answer.elapsedMs).toBeGreaterThanOrEqual(expected.minElapsedMs);
  if (expected.answeredBeforeSettled) expect(rec.settled).toBe(false);

  if (expected.called) {
    await withTimeout(rec.invoked, 1000, 'the handler was not called');
    expect(rec.events).toHaveLength(1);
    // The handler of the query's command, with an event of that command.
    const command = testCase.query.find(([name]) => name === 'CallbackCommand')?.[1];
    expect(rec.events[0].callbackCommand).toBe(command);
    expect(isRecallCommand(command)).toBe(true);
    expect(rec.handlers).toEqual([COMMANDS[command as keyof typeof COMMANDS].handlerOption]);
    if (testCase.checkEvent) testCase.checkEvent(rec.events[0], testCase.body ?? '');
  } else {
    await new Promise((r) => setImmediate(r));
    expect(rec.events).toHaveLength(0);
  }
  if (expected.onErrorStage) {
    await withTimeout(rec.finished, SLOW_MS + 1000, 'the handler did not finish');
    await delay(5);
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0].context.stage).toBe(expected.onErrorStage);
    expect(rec.errors[0].context.event).toBe(rec.events[0]);
    expect(rec.errors[0].context.request).toBe(rec.requests[0]);
    expect(JSON.stringify(rec.errors[0].error) + String(rec.errors[0].error)).toContain(SECRET);
  } else {
    expect(rec.errors).toHaveLength(0);
  }
}

function assertNoSecrets(testCase: Case, text: string): void {
  const token = testCase.options?.token ?? [];
  const tokens = ([] as string[]).concat(
    ...(typeof token === 'object' && !Array.isArray(token) ? Object.values(token) : [token]),
  );
  const requestTime = testCase.query.find(([k]) => k === 'RequestTime')?.[1] ?? '0';
  for (const token of tokens) {
    expect(text).not.toContain(token);
    expect(text.toLowerCase()).not.toContain(signRequestTime(token, requestTime));
  }
}
