import { SdkAppIdMismatchError } from './errors';
import { parseQuery, type CallbackQuery } from './query';
import { createSignatureVerifier, type SignatureVerifier } from './signature';
import type { CallbackToken } from './types';

/**
 * A callback's query as an app's framework hands it over: the request URL or its query string,
 * `URLSearchParams`, a `URL`, or a parsed query object (Express's `req.query`, Koa's `ctx.query`,
 * Fastify's `request.query`).
 */
export type CallbackSignatureQuery = string | URL | URLSearchParams | Readonly<Record<string, unknown>>;

export interface CallbackSignatureCheckOptions {
  /**
   * Tencent's callback token, as the receivers take it: one, several side by side while rotating,
   * or tokens keyed by SdkAppid (then the query's `SdkAppid` picks them, and any other app is refused).
   */
  token: CallbackToken | Readonly<Record<string, CallbackToken>>;
  /** How far `RequestTime` may be from now, in seconds. Default 60, as the receivers. */
  toleranceSeconds?: number | undefined;
  /** The clock, in ms. Default `Date.now`. */
  now?: (() => number) | undefined;
}

/**
 * Throws a `SignatureVerificationError` (status 401) unless the query's `Sign` matches one of the
 * tokens for a `RequestTime` within the tolerance of now; with tokens keyed by SdkAppid, an
 * `SdkAppIdMismatchError` (status 403) for a missing, repeated or unknown `SdkAppid`.
 */
export type CallbackSignatureCheck = (query: CallbackSignatureQuery) => void;

const FACTORY = 'createCallbackSignatureCheck';
const DEFAULT_TOLERANCE_SECONDS = 60;
// The largest tolerance a timer-safe option takes elsewhere in the package: 2^31 - 1 ms.
const MAX_TOLERANCE_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The receivers check the signature of the recalls they take only: the other callback commands
 * they pass on (`next()`, `onOtherCommand`, the Fetch handler's `null`) are not checked. This
 * checks one of those as the receivers check a recall: the same constant-time comparison against
 * every token, the same freshness window.
 */
export function createCallbackSignatureCheck(options: CallbackSignatureCheckOptions): CallbackSignatureCheck {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${FACTORY}: invalid options: expected an object with "token"`);
  }
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isInteger(toleranceSeconds) || toleranceSeconds < 1 || toleranceSeconds > MAX_TOLERANCE_SECONDS) {
    throw new TypeError(
      `${FACTORY}: invalid options: "toleranceSeconds" must be a whole number of seconds from 1 to ${MAX_TOLERANCE_SECONDS}`,
    );
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError(`${FACTORY}: invalid options: "now" must be a function`);
  const verifierOf = (token: unknown, name: string): SignatureVerifier =>
    createSignatureVerifier({ tokens: tokenList(token, name), toleranceSeconds, now });

  const { token } = options;
  if (typeof token === 'string' || Array.isArray(token)) {
    const verify = verifierOf(token, '"token"');
    return (query) => {
      const params = paramsOf(query);
      verify(single(params, 'Sign'), single(params, 'RequestTime'));
    };
  }
  if (token === null || typeof token !== 'object' || Object.keys(token).length === 0) {
    throw new TypeError(
      `${FACTORY}: invalid options: "token" must be a token, an array of tokens, or tokens keyed by SdkAppid`,
    );
  }
  const byApp = new Map<string, SignatureVerifier>();
  for (const [sdkAppId, appToken] of Object.entries(token)) {
    if (!/^[1-9]\d*$/.test(sdkAppId)) {
      throw new TypeError(`${FACTORY}: invalid options: "token" is keyed by SdkAppid, not ${JSON.stringify(sdkAppId)}`);
    }
    byApp.set(sdkAppId, verifierOf(appToken, `"token.${sdkAppId}"`));
  }
  return (query) => {
    const params = paramsOf(query);
    const ids = params.getAll('SdkAppid');
    if (ids.length !== 1)
      throw new SdkAppIdMismatchError(ids.length === 0 ? 'missing SdkAppid' : 'SdkAppid given more than once');
    const verify = byApp.get(ids[0]);
    if (verify === undefined) throw new SdkAppIdMismatchError('SdkAppid is not this app');
    verify(single(params, 'Sign'), single(params, 'RequestTime'));
  };
}

function tokenList(token: unknown, name: string): string[] {
  const tokens = typeof token === 'string' ? [token] : token;
  if (
    !Array.isArray(tokens) ||
    tokens.length === 0 ||
    !tokens.every((each): each is string => typeof each === 'string' && each.length > 0)
  ) {
    throw new TypeError(`${FACTORY}: invalid options: ${name} must be a non-empty string or a non-empty array of them`);
  }
  return tokens;
}

function paramsOf(query: CallbackSignatureQuery): CallbackQuery {
  if (typeof query === 'string') {
    const start = query.indexOf('?');
    return parseQuery(start === -1 ? query : query.slice(start + 1));
  }
  if (query instanceof URL) return query.searchParams;
  if (query instanceof URLSearchParams) return query;
  if (query === null || typeof query !== 'object') {
    throw new TypeError(`${FACTORY}: the query must be a string, a URL, URLSearchParams or a parsed query object`);
  }
  return new ParsedQuery(query);
}

/** A framework's parsed query: a repeated parameter is an array; a value that is no string is malformed. */
class ParsedQuery implements CallbackQuery {
  constructor(private readonly query: Readonly<Record<string, unknown>>) {}

  get(name: string): string | null {
    return this.getAll(name)[0] ?? null;
  }

  getAll(name: string): string[] {
    if (!Object.hasOwn(this.query, name)) return [];
    const values: unknown[] = ([] as unknown[]).concat(this.query[name]);
    return values.map((value) => (typeof value === 'string' ? value : ''));
  }
}

/** A parameter given once; a repeated one is as good as missing, as the receivers read it. */
function single(params: CallbackQuery, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}
