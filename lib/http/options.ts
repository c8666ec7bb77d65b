import bytes from 'bytes';
import Joi from 'joi';
import { normalizeQueue, type NormalizedQueue } from '../delivery/queue';
import type {
  C2CRecallHandler,
  CallbackToken,
  DedupeStore,
  ErrorContext,
  RecallHandler,
  RecallQueue,
  RecallWebhookOptions,
} from '../protocol/types';

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

const TENCENT_DEADLINE_MS = 2000;
const DEFAULT_BODY_TIMEOUT_MS = 1000;

export const sdkAppIdSchema = Joi.alternatives(
  Joi.number().strict().integer().positive(),
  Joi.string().pattern(/^[1-9]\d*$/, 'digits'),
).messages({ 'alternatives.match': '{{#label}} must be a positive integer or a string of digits' });

const byteSize = Joi.alternatives(
  Joi.number().integer().positive(),
  Joi.string().custom((value: string) => {
    const parsed = bytes.parse(value);
    if (parsed === null || !Number.isFinite(parsed) || parsed <= 0) throw new Error('not a size');
    return parsed;
  }),
).messages({ 'alternatives.match': '{{#label}} must be a positive number of bytes or a size such as "100kb"' });

const token = Joi.string().min(1);
const tokenList = Joi.alternatives(token, Joi.array().items(token).min(1));
// An object gives each app its own tokens; which keys it must have is checked against sdkAppId after.
const tokenOption = Joi.alternatives().conditional(Joi.object(), {
  then: Joi.object()
    .pattern(/^[1-9]\d*$/, tokenList)
    .min(1),
  otherwise: tokenList.messages({
    'alternatives.types': '{{#label}} must be a token, an array of tokens, or tokens keyed by SdkAppid',
  }),
});

// Joi.any() hands the store through untouched: a copy of a Redis client would not work.
const dedupeStore = Joi.any()
  .custom((value: unknown) => {
    const store = value as Partial<DedupeStore> | null | undefined;
    if (typeof store?.claim !== 'function' || typeof store.release !== 'function') throw new Error('not a store');
    return value;
  })
  .messages({ 'any.custom': '{{#label}} must have claim(key, ttlMs) and release(key) methods' });

const queue = Joi.any()
  .custom((value: unknown) => {
    if (typeof (value as Partial<RecallQueue> | null | undefined)?.add !== 'function') throw new Error('not a queue');
    return value;
  })
  .messages({ 'any.custom': '{{#label}} must be a BullMQ Queue (an object with add(name, data, options))' });

const dedupe = Joi.object({
  store: dedupeStore.required(),
  ttlSeconds: Joi.number()
    .integer()
    .min(1)
    .default(24 * 60 * 60),
  timeoutMs: Joi.number().integer().min(1).default(200),
});

const optionsSchema = Joi.object({
  sdkAppId: Joi.alternatives(sdkAppIdSchema, Joi.array().items(sdkAppIdSchema).min(1)).required(),
  onRecall: Joi.function(),
  onC2CRecall: Joi.function(),
  queue,
  queueDeduplicationSeconds: Joi.number()
    .integer()
    .min(1)
    .default(24 * 60 * 60),
  limit: byteSize.default('100kb'),
  bodyTimeoutMs: Joi.number().integer().min(1).less(TENCENT_DEADLINE_MS),
  timeoutMs: Joi.number().integer().min(1).less(TENCENT_DEADLINE_MS).default(1500),
  respond: Joi.string().valid('after-callback', 'immediately').default('after-callback'),
  onError: Joi.function(),
  token: tokenOption,
  toleranceSeconds: Joi.number().integer().min(1).default(60),
  now: Joi.function(),
  dedupe,
})
  .or('onRecall', 'onC2CRecall', 'queue')
  .messages({ 'object.missing': 'at least one of "onRecall", "onC2CRecall" or "queue" is required' })
  .required()
  .prefs({ abortEarly: true, errors: { label: 'path' } });

/** Validates the options once, when the factory is called; throws a `TypeError` naming the option. */
export function normalizeOptions<Req>(options: RecallWebhookOptions<Req>, factory: string): NormalizedOptions<Req> {
  const { error, value } = optionsSchema.validate(options);
  if (error) throw new TypeError(`${factory}: invalid options: ${error.message}`);
  // The answer can wait for timeoutMs and then for one bounded release of the dedupe key.
  if (value.dedupe && value.timeoutMs + value.dedupe.timeoutMs >= TENCENT_DEADLINE_MS) {
    throw new TypeError(
      `${factory}: invalid options: timeoutMs + dedupe.timeoutMs must be less than ${TENCENT_DEADLINE_MS} (Tencent's deadline)`,
    );
  }
  // The body is read within timeoutMs, which counts from the request's arrival.
  if (value.bodyTimeoutMs > value.timeoutMs) {
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
