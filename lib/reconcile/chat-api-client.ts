import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import createDebug from 'debug';
import Joi from 'joi';
// The file, not the package name: the package's manifest repeats keys ("main" twice), which strict
// resolvers (Jest 30's among them) reject; Node and bundlers load the file either way.
import { Api as UserSigApi } from 'tls-sig-api-v2/TLSSigAPIv2.js';
import { sdkAppIdSchema } from '../http/options-schema';
import { timerMs } from '../delivery/options-schema';
import { FREQUENCY_LIMIT_ERROR_CODES } from '../protocol/chat-api-error-codes';
import { DOCUMENTED_CALLS_PER_SECOND } from '../protocol/chat-api-rate-limits';

const debug = createDebug('tencent-chat-recall-webhook:chat-api');

/** China's domain; apps in other regions pass their own (see the README's reconciliation section). */
export const DEFAULT_CHAT_API_BASE_URL = 'https://console.tim.qq.com';

export interface ChatApiClientOptions {
  /** The app's SDKAppID. */
  sdkAppId: number | string;
  /** The app's secret key (console, app configuration); it signs the UserSig and never leaves the process. */
  secretKey: string;
  /** An App admin account; default `administrator`. */
  identifier?: string | undefined;
  /** The REST API's domain for the app's region; default `https://console.tim.qq.com` (China). */
  baseUrl?: string | undefined;
  /**
   * Upper bound on HTTP requests a second, retries included; default 20, from 0.01 to 10,000.
   * No window of one second holds more as the server counts them, stalls of the event loop
   * included: each request counts from when it is handed to fetch until a second after its answer,
   * so a late request never lets the next ones catch up in a burst. Tencent
   * allows 200 a second per API by default, shared with everything else the app calls: a
   * background pass should leave it most of that. Commands documented with a lower rate
   * (get_appid_group_list: 1 a second) are spaced at that rate too.
   */
  maxCallsPerSecond?: number | undefined;
  /** Time for one HTTP request, answer read included; default 10000 ms, at most 2^31-1. */
  timeoutMs?: number | undefined;
  /** Largest answer read, in bytes; default 8 MiB. A longer one fails the call (`ChatApiRequestError`, reason `'body'`). */
  maxResponseBytes?: number | undefined;
  /** How many times a frequency-limit answer is retried before the call rejects; default 4. */
  maxRetries?: number | undefined;
  /** First backoff after a frequency-limit answer, doubled each retry, with jitter; default 500 ms. */
  retryDelayMs?: number | undefined;
  /** Lifetime of the UserSig the client signs; default 86400 s (a day). It is renewed at 90 % of it. */
  userSigExpireSeconds?: number | undefined;
}

export interface ChatApiClient {
  readonly sdkAppId: number;
  /** The App admin account it signs as. */
  readonly identifier: string;
  /**
   * POSTs `body` as JSON to `${baseUrl}/v4/${command}?sdkappid&identifier&usersig&random&contenttype=json`;
   * resolves to the parsed answer when its ActionStatus is OK; rejects with a `ChatApiError` when
   * Tencent answers FAIL, with a `ChatApiRequestError` when there is no usable answer.
   */
  call<T extends object = Record<string, unknown>>(command: string, body: object): Promise<T>;
  /** HTTP requests sent so far, retries included. */
  readonly callsMade: number;
}

/** Tencent answered the call with `ActionStatus: FAIL`: `code` is its ErrorCode, `info` its ErrorInfo. */
export class ChatApiError extends Error {
  readonly code: number;
  readonly info: string;
  readonly command: string;

  constructor(command: string, code: number, info: string) {
    super(`${command} failed: ErrorCode ${code}: ${info}`);
    this.name = new.target.name;
    this.code = code;
    this.info = info;
    this.command = command;
  }
}

/**
 * The call got no usable answer: the request failed or timed out (`cause` is the fetch error),
 * the HTTP status was not 2xx (`status`), or the body was not a JSON object with an ActionStatus.
 * Never retried by the client: whether a command may be sent twice is the caller's to decide.
 */
export class ChatApiRequestError extends Error {
  readonly command: string;
  readonly reason: 'network' | 'timeout' | 'status' | 'body';
  readonly status: number | undefined;

  constructor(
    command: string,
    reason: ChatApiRequestError['reason'],
    message: string,
    details: { status?: number; cause?: unknown },
  ) {
    super(`${command}: ${message}`, { cause: details.cause });
    this.name = new.target.name;
    this.command = command;
    this.reason = reason;
    this.status = details.status;
  }
}

const MIN_CALLS_PER_SECOND = 0.01;
const MAX_CALLS_PER_SECOND = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const MAX_RESPONSE_BYTES_LIMIT = 512 * 1024 * 1024;

const MAX_RETRY_DELAY_MS = 10_000;

const optionsSchema = Joi.object({
  sdkAppId: sdkAppIdSchema.required(),
  secretKey: Joi.string().min(1).required(),
  // UserIDs are at most 32 bytes.
  identifier: Joi.string().min(1).max(32).default('administrator'),
  baseUrl: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default(DEFAULT_CHAT_API_BASE_URL),
  maxCallsPerSecond: Joi.number().min(MIN_CALLS_PER_SECOND).max(MAX_CALLS_PER_SECOND).default(20),
  timeoutMs: timerMs.default(10_000),
  maxResponseBytes: Joi.number().integer().min(1024).max(MAX_RESPONSE_BYTES_LIMIT).default(DEFAULT_MAX_RESPONSE_BYTES),
  maxRetries: Joi.number().integer().min(0).max(100).default(4),
  retryDelayMs: Joi.number().integer().min(0).max(MAX_RETRY_DELAY_MS).default(500),
  // A UserSig lasts at most 180 days (Tencent's limit); it is renewed at 90 % of it, within a timer's reach.
  userSigExpireSeconds: Joi.number()
    .integer()
    .min(60)
    .max(180 * 24 * 60 * 60)
    .default(86_400),
})
  .required()
  .prefs({ abortEarly: true, errors: { label: 'path' } });

const COMMAND = /^[\w-]+\/[\w-]+$/;
const USER_SIG_RENEWAL_SHARE = 0.9;
const UINT32_LIMIT = 2 ** 32;

/** A client for Tencent Chat's server REST API, signed as an App admin. Options are checked once: a `TypeError` names a bad one. */
export function createChatApiClient(options: ChatApiClientOptions): ChatApiClient {
  const { error, value } = optionsSchema.validate(options);
  if (error) throw new TypeError(`createChatApiClient: invalid options: ${error.message}`);
  const sdkAppId = Number(value.sdkAppId);
  const endpoint = String(value.baseUrl).replace(/\/+$/, '') + '/v4/';
  const userSig = createUserSigCache(sdkAppId, value.secretKey, value.identifier, value.userSigExpireSeconds);
  const nextSlot = createRateLimit(value.maxCallsPerSecond);
  const nextCommandSlot = createCommandRateLimit(value.maxCallsPerSecond);
  let callsMade = 0;

  async function send(command: string, body: object): Promise<Record<string, unknown>> {
    const commandAnswered = await nextCommandSlot(command);
    const answered = await nextSlot();
    const query = new URLSearchParams({
      sdkappid: String(sdkAppId),
      identifier: value.identifier,
      usersig: userSig(),
      random: String(randomInt(UINT32_LIMIT)),
      contenttype: 'json',
    });
    callsMade += 1;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${endpoint}${command}?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(value.timeoutMs),
      }).finally(() => {
        answered();
        commandAnswered();
      });
      text = await readLimited(response, value.maxResponseBytes);
    } catch (cause) {
      if (cause instanceof AnswerTooLargeError) {
        throw new ChatApiRequestError(command, 'body', cause.message, { status: response!.status });
      }
      if ((cause as Error | undefined)?.name === 'TimeoutError') {
        throw new ChatApiRequestError(command, 'timeout', `no answer within ${value.timeoutMs} ms`, { cause });
      }
      throw new ChatApiRequestError(command, 'network', 'the request failed', { cause });
    }
    if (!response.ok) {
      throw new ChatApiRequestError(command, 'status', `HTTP status ${response.status}`, { status: response.status });
    }
    const answer = parseAnswer(text);
    if (answer === undefined) {
      throw new ChatApiRequestError(command, 'body', 'the answer is not a JSON object with an ActionStatus', {
        status: response.status,
      });
    }
    return answer;
  }

  async function call<T extends object>(command: string, body: object): Promise<T> {
    if (typeof command !== 'string' || !COMMAND.test(command)) {
      throw new TypeError(
        `ChatApiClient.call: command must look like "service/command", got ${JSON.stringify(command)}`,
      );
    }
    if (typeof body !== 'object' || body === null) {
      throw new TypeError('ChatApiClient.call: body must be an object (at least {})');
    }
    for (let attempt = 0; ; attempt++) {
      const answer = await send(command, body);
      if (answer.ActionStatus === 'OK') {
        debug('%s: OK (attempt %d)', command, attempt + 1);
        return answer as T;
      }
      const failure = new ChatApiError(command, errorCodeOf(answer), String(answer.ErrorInfo ?? ''));
      if (!FREQUENCY_LIMIT_ERROR_CODES.has(failure.code) || attempt >= value.maxRetries) {
        debug('%s: FAIL %d (attempt %d)', command, failure.code, attempt + 1);
        throw failure;
      }
      const delay = backoffDelay(value.retryDelayMs, attempt);
      debug('%s: frequency limit %d, retry %d in %d ms', command, failure.code, attempt + 1, delay);
      await sleep(delay);
    }
  }

  return {
    sdkAppId,
    identifier: value.identifier,
    call,
    get callsMade() {
      return callsMade;
    },
  };
}

function parseAnswer(text: string): Record<string, unknown> | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return undefined;
  return typeof (answer as Record<string, unknown>).ActionStatus === 'string'
    ? (answer as Record<string, unknown>)
    : undefined;
}

// An answer without a numeric ErrorCode is still a failure; -1 says Tencent gave no code.
function errorCodeOf(answer: Record<string, unknown>): number {
  const code = Number(answer.ErrorCode);
  return Number.isInteger(code) ? code : -1;
}

/** A UserSig signed once and signed again when 90 % of its lifetime has passed. */
function createUserSigCache(
  sdkAppId: number,
  secretKey: string,
  identifier: string,
  expireSeconds: number,
): () => string {
  const api = new UserSigApi(sdkAppId, secretKey);
  let current: { sig: string; renewAt: number } | undefined;
  return () => {
    const now = Date.now();
    if (current === undefined || now >= current.renewAt) {
      current = {
        sig: api.genUserSig(identifier, expireSeconds),
        renewAt: now + expireSeconds * 1000 * USER_SIG_RENEWAL_SHARE,
      };
      debug('UserSig for %s signed, valid %d s', identifier, expireSeconds);
    }
    return current.sig;
  };
}

class AnswerTooLargeError extends Error {}

/** The answer's text, failing once more than `maxBytes` have arrived (a declared length says so before reading). */
async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new AnswerTooLargeError(`the answer is larger than maxResponseBytes (${maxBytes} bytes)`);
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Waits for a request's turn; the returned function is called once the server has answered (or failed). */
type RateLimit = () => Promise<() => void>;

/**
 * At most maxCallsPerSecond requests in any window of a second as the server counts them, stalls
 * of the event loop included. A request reaches the server some time between when it was handed
 * to fetch and when its answer came back (a stalled event loop can hold its bytes in between), so
 * each one counts from the first until a second after the second: a new request goes only when
 * fewer than the limit are in flight or answered within the last second, and at least half the
 * even spacing after the one before. Nothing bursts to catch up after a stall, and late timers do
 * not pile up into a lower rate.
 */
function createRateLimit(maxCallsPerSecond: number): RateLimit {
  const limit = Math.max(1, Math.floor(maxCallsPerSecond));
  const windowMs = (1000 * limit) / maxCallsPerSecond;
  // A gap under a timer's resolution would cost a timer each (a millisecond or more) for nothing.
  const halfSpacingMs = windowMs / limit / 2;
  const minGapMs = halfSpacingMs >= 1 ? halfSpacingMs : 0;
  let inFlight = 0;
  // When the answered ones were answered, oldest first (performance.now() only grows); from `first` on.
  const answeredAt: number[] = [];
  let first = 0;
  let lastSentAt = -Infinity;
  let nextAnswer: { promise: Promise<void>; resolve: () => void } | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  function answered(): void {
    inFlight -= 1;
    answeredAt.push(performance.now());
    nextAnswer?.resolve();
    nextAnswer = undefined;
  }

  async function waitTurn(): Promise<() => void> {
    for (;;) {
      const now = performance.now();
      while (first < answeredAt.length && answeredAt[first] <= now - windowMs) first++;
      if (first > 1024 && first * 2 > answeredAt.length) {
        answeredAt.splice(0, first);
        first = 0;
      }
      const counted = inFlight + answeredAt.length - first;
      if (counted < limit && now - lastSentAt >= minGapMs) break;
      if (counted < limit) await sleep(lastSentAt + minGapMs - now);
      else if (first < answeredAt.length) await sleep(answeredAt[first] + windowMs - now);
      else {
        // Every counted request is still in flight: the first answer starts its second.
        if (nextAnswer === undefined) {
          let resolve!: () => void;
          nextAnswer = { promise: new Promise<void>((done) => (resolve = done)), resolve };
        }
        await nextAnswer.promise;
      }
    }
    inFlight += 1;
    lastSentAt = performance.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      answered();
    };
  }

  return () => {
    const turn = queue.then(waitTurn);
    queue = turn;
    return turn;
  };
}

// Commands documented with a low rate (1 a second) are limited this much below it, for a server
// whose second may not start where the client's does.
const DOCUMENTED_RATE_HEADROOM = 1.1;

/** A rate limit per command for the commands Tencent documents with a rate below maxCallsPerSecond. */
function createCommandRateLimit(maxCallsPerSecond: number): (command: string) => Promise<() => void> {
  const limits = new Map<string, RateLimit>();
  for (const [command, rate] of Object.entries(DOCUMENTED_CALLS_PER_SECOND)) {
    if (rate < maxCallsPerSecond) limits.set(command, createRateLimit(rate / DOCUMENTED_RATE_HEADROOM));
  }
  const none = () => undefined;
  return (command) => limits.get(command)?.() ?? Promise.resolve(none);
}

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
function backoffDelay(baseMs: number, attempt: number): number {
  const step = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** attempt);
  return Math.round(step / 2 + Math.random() * (step / 2));
}
