import bytes from 'bytes';
import { normalizeQueue, type NormalizedQueue } from '../delivery/queue';
import type {
  C2CRecallHandler,
  CallbackToken,
  DedupeStore,
  ErrorContext,
  RecallHandler,
  RecallWebhookOptions,
} from '../protocol/types';
import { isPlainValidOptions, TENCENT_DEADLINE_MS } from './plain-options';

/** Options after validation and defaults, computed once per middleware. */
export interface NormalizedOptions<Req> {
  sdkAppIds: ReadonlySet<string>;
  onRecall: RecallHandler<Req> | undefined;
  onC2CRecall: C2CRecallHandler<Req> | undefined;
  queue: NormalizedQueue | undefined;
  limit: number;
  bodyTimeoutMs: number;
  timeoutMs: number;
  respond: 'after-callback' | 'immediately';
  onError: ((error: unknown, context: ErrorContext<Req>) => void) | undefined;
  /** Each app's accepted tokens; empty when no token is configured (authentication off). */
  tokensByApp: ReadonlyMap<string, readonly string[]>;
  toleranceSeconds: number;
  now: () => number;
  dedupe: NormalizedDedupe | undefined;
}

export interface NormalizedDedupe {
  store: DedupeStore;
  ttlMs: number;
  timeoutMs: number;
}

const DEFAULT_BODY_TIMEOUT_MS = 1000;
const DEFAULT_TIMEOUT_MS = 1500;
const DEFAULT_LIMIT = '100kb';
const DEFAULT_TOLERANCE_SECONDS = 60;
const ONE_DAY_SECONDS = 24 * 60 * 60;
const DEFAULT_DEDUPE_TIMEOUT_MS = 200;

/** Validates the options once, when the factory is called; throws a `TypeError` naming the option. */
export function normalizeOptions<Req>(options: RecallWebhookOptions<Req>, factory: string): NormalizedOptions<Req> {
  const valid = isPlainValidOptions<Req>(options) ? options : validateWithJoi(options, factory);
  const value = {
    ...valid,
    queueDeduplicationSeconds: valid.queueDeduplicationSeconds ?? ONE_DAY_SECONDS,
    limit: valid.limit ?? DEFAULT_LIMIT,
    timeoutMs: valid.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    respond: valid.respond ?? 'after-callback',
    toleranceSeconds: valid.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    dedupe: valid.dedupe && {
      store: valid.dedupe.store,
      ttlSeconds: valid.dedupe.ttlSeconds ?? ONE_DAY_SECONDS,
      timeoutMs: valid.dedupe.timeoutMs ?? DEFAULT_DEDUPE_TIMEOUT_MS,
    },
  };
  // The answer can wait for timeoutMs and then for one bounded release of the dedupe key.
  if (value.dedupe && value.timeoutMs + value.dedupe.timeoutMs >= TENCENT_DEADLINE_MS) {
    throw new TypeError(
      `${factory}: invalid options: timeoutMs + dedupe.timeoutMs must be less than ${TENCENT_DEADLINE_MS} (Tencent's deadline)`,
    );
  }
  // The body is read within timeoutMs, which counts from the request's arrival.
  if (value.bodyTimeoutMs !== undefined && value.bodyTimeoutMs > value.timeoutMs) {
    throw new TypeError(`${factory}: invalid options: "bodyTimeoutMs" must not be more than "timeoutMs"`);
  }
  // Durable mode answers OK only once the recall is stored; 'immediately' would answer before.
  if (value.queue && value.respond === 'immediately') {
    throw new TypeError(`${factory}: invalid options: "respond: 'immediately'" cannot be combined with "queue"`);
  }
  const sdkAppIds: string[] = ([] as Array<number | string>).concat(value.sdkAppId).map(String);
  return {
    sdkAppIds: new Set(sdkAppIds),
    onRecall: value.onRecall,
    onC2CRecall: value.onC2CRecall,
    queue: value.queue && normalizeQueue(value.queue, value.queueDeduplicationSeconds),
    limit: typeof value.limit === 'number' ? value.limit : (bytes.parse(value.limit) as number),
    bodyTimeoutMs: value.bodyTimeoutMs ?? Math.min(DEFAULT_BODY_TIMEOUT_MS, value.timeoutMs),
    timeoutMs: value.timeoutMs,
    respond: value.respond,
    onError: value.onError,
    tokensByApp: tokensByApp(value.token, sdkAppIds, factory),
    toleranceSeconds: value.toleranceSeconds,
    now: value.now ?? Date.now,
    dedupe: value.dedupe && {
      store: value.dedupe.store,
      ttlMs: value.dedupe.ttlSeconds * 1000,
      timeoutMs: value.dedupe.timeoutMs,
    },
  };
}

/** Options the plain check does not accept: Joi decides, and names the option that is wrong. */
function validateWithJoi<Req>(options: unknown, factory: string): RecallWebhookOptions<Req> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { optionsSchema } = require('./options-schema') as typeof import('./options-schema');
  const { error, value } = optionsSchema.validate(options);
  if (error) throw new TypeError(`${factory}: invalid options: ${error.message}`);
  return value as RecallWebhookOptions<Req>;
}

/**
 * A shared token (string or array) stands for every app. Tokens keyed by SdkAppid must name
 * exactly the configured apps: an app left out would otherwise accept unsigned callbacks.
 */
function tokensByApp(
  token: CallbackToken | Record<string, CallbackToken> | undefined,
  sdkAppIds: readonly string[],
  factory: string,
): Map<string, readonly string[]> {
  if (token === undefined) return new Map();
  if (typeof token === 'string' || Array.isArray(token)) {
    const shared = ([] as string[]).concat(token);
    return new Map(sdkAppIds.map((id) => [id, shared]));
  }
  const perApp = token as Record<string, CallbackToken>;
  const stranger = Object.keys(perApp).find((id) => !sdkAppIds.includes(id));
  if (stranger !== undefined) {
    throw new TypeError(
      `${factory}: invalid options: "token" has an entry for SdkAppid ${stranger}, which is not in "sdkAppId"`,
    );
  }
  const missing = sdkAppIds.find((id) => !Object.hasOwn(perApp, id));
  if (missing !== undefined) {
    throw new TypeError(
      `${factory}: invalid options: "token" has no entry for SdkAppid ${missing}: every configured app needs its token (or use one token shared by all)`,
    );
  }
  return new Map(sdkAppIds.map((id) => [id, ([] as string[]).concat(perApp[id])]));
}
