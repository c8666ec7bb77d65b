import bytes from 'bytes';
import type { DeliverySettings } from '../delivery/deliver';
import { deliverySettings } from '../delivery/options';
import type { CallbackToken } from '../protocol/types';
import type { RecallWebhookOptions } from './types';
import { TENCENT_DEADLINE_MS } from '../protocol/answers';
import { isPlainValidOptions } from './plain-options';

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

const DEFAULT_BODY_TIMEOUT_MS = 1000;
const DEFAULT_TIMEOUT_MS = 1500;
const DEFAULT_LIMIT = '100kb';
const DEFAULT_TOLERANCE_SECONDS = 60;

/** Validates the options once, when the factory is called; throws a `TypeError` naming the option. */
export function normalizeOptions<Req>(options: RecallWebhookOptions<Req>, factory: string): NormalizedOptions<Req> {
  const valid = isPlainValidOptions<Req>(options) ? options : validateWithJoi(options, factory);
  const value = {
    ...valid,
    limit: valid.limit ?? DEFAULT_LIMIT,
    timeoutMs: valid.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    respond: valid.respond ?? 'after-callback',
    toleranceSeconds: valid.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
  };
  const delivery = deliverySettings(value, value.respond);
  // The answer can wait for timeoutMs and then for one bounded release of the dedupe key.
  if (delivery.dedupe && value.timeoutMs + delivery.dedupe.timeoutMs >= TENCENT_DEADLINE_MS) {
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
    delivery,
    limit: typeof value.limit === 'number' ? value.limit : (bytes.parse(value.limit) as number),
    bodyTimeoutMs: value.bodyTimeoutMs ?? Math.min(DEFAULT_BODY_TIMEOUT_MS, value.timeoutMs),
    timeoutMs: value.timeoutMs,
    tokensByApp: tokensByApp(value.token, sdkAppIds, factory),
    toleranceSeconds: value.toleranceSeconds,
    now: value.now ?? Date.now,
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
