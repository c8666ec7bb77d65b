import bytes from 'bytes';
import Joi from 'joi';
import type { DeliverySettings } from '../delivery/deliver';
import { deliveryKeys, deliverySettings, HANDLER_REQUIRED, type ValidatedDeliveryOptions } from '../delivery/options';
import type { CallbackToken, RecallWebhookOptions } from '../protocol/types';

/** Options after validation and defaults, computed once per middleware. */
export interface NormalizedOptions<Req> {
  sdkAppIds: ReadonlySet<string>;
  /** How recalls are handed on: handlers, queue, dedupe, onError and log. */
  delivery: DeliverySettings<Req>;
  limit: number;
  bodyTimeoutMs: number;
  timeoutMs: number;
  /** Each app's accepted tokens; empty when no token is configured (authentication off). */
  tokensByApp: ReadonlyMap<string, readonly string[]>;
  toleranceSeconds: number;
  now: () => number;
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

const optionsSchema = Joi.object({
  ...deliveryKeys,
  sdkAppId: Joi.alternatives(sdkAppIdSchema, Joi.array().items(sdkAppIdSchema).min(1)).required(),
  limit: byteSize.default('100kb'),
  bodyTimeoutMs: Joi.number().integer().min(1).less(TENCENT_DEADLINE_MS),
  timeoutMs: Joi.number().integer().min(1).less(TENCENT_DEADLINE_MS).default(1500),
  respond: Joi.string().valid('after-callback', 'immediately').default('after-callback'),
  token: tokenOption,
  toleranceSeconds: Joi.number().integer().min(1).default(60),
  now: Joi.function(),
})
  .or('onRecall', 'onC2CRecall', 'queue')
  .messages(HANDLER_REQUIRED)
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
    delivery: deliverySettings(value as ValidatedDeliveryOptions<Req>, value.respond),
    limit: typeof value.limit === 'number' ? value.limit : (bytes.parse(value.limit) as number),
    bodyTimeoutMs: value.bodyTimeoutMs ?? Math.min(DEFAULT_BODY_TIMEOUT_MS, value.timeoutMs),
    timeoutMs: value.timeoutMs,
    tokensByApp: tokensByApp(value.token, sdkAppIds, factory),
    toleranceSeconds: value.toleranceSeconds,
    now: value.now ?? Date.now,
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
