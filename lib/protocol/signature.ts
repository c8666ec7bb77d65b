// A namespace import: Node 20 releases before 20.12 have no `hash` export to import by name.
import * as nodeCrypto from 'node:crypto';
import { SignatureVerificationError } from './errors';

const REQUEST_TIME = /^\d{1,12}$/;
const SIGN = /^[0-9a-fA-F]{64}$/;
const LOWERCASE_SIGN = /^[0-9a-f]{64}$/;

// crypto.hash (Node 20.12 and later) hashes without building a Hash object per call.
export const sha256Hex: (text: string) => string =
  typeof nodeCrypto.hash === 'function'
    ? (text) => nodeCrypto.hash('sha256', text, 'hex')
    : (text) => nodeCrypto.createHash('sha256').update(text).digest('hex');

/** Tencent's callback signature: `sha256(token + requestTime)` as lowercase hex. */
export function signRequestTime(token: string, requestTime: number | string): string {
  return sha256Hex(token + String(requestTime));
}

export interface SignatureCheck {
  tokens: readonly string[];
  toleranceSeconds: number;
  now: () => number;
}

/** Throws a `SignatureVerificationError` unless `sign` is right for `requestTime`. */
export type SignatureVerifier = (sign: string | undefined, requestTime: string | undefined) => void;

/**
 * A verifier for one set of tokens: it throws a `SignatureVerificationError` unless `sign` matches
 * one of the tokens for a `requestTime` within the tolerance of now. Every token is compared, in
 * constant time, so the timing does not reveal which one matched. Tencent signs with whole
 * seconds, so the requests of one second share a RequestTime: the verifier keeps the expected
 * Signs for the last RequestTime it saw and hashes only when that changes.
 */
export function createSignatureVerifier(check: SignatureCheck): SignatureVerifier {
  let last: { requestTime: string; signs: Buffer[] } | undefined;

  function expectedSigns(requestTime: string): Buffer[] {
    if (last?.requestTime !== requestTime) {
      last = { requestTime, signs: check.tokens.map((token) => Buffer.from(sha256Hex(token + requestTime), 'latin1')) };
    }
    return last.signs;
  }

  return function verify(sign, requestTime) {
    if (requestTime === undefined || !REQUEST_TIME.test(requestTime)) {
      throw new SignatureVerificationError('missing or malformed RequestTime');
    }
    const lowercaseSign = asLowercaseSign(sign);
    if (lowercaseSign === undefined) {
      throw new SignatureVerificationError('missing or malformed Sign');
    }
    // RequestTime has whole seconds, so the clock is compared in whole seconds too.
    const skewSeconds = Math.abs(Math.floor(check.now() / 1000) - Number(requestTime));
    if (!(skewSeconds <= check.toleranceSeconds)) {
      throw new SignatureVerificationError('RequestTime is outside the accepted window');
    }
    // Both sides as the ASCII of lowercase hex, the same length: compared in constant time.
    const given = Buffer.from(lowercaseSign, 'latin1');
    let matched = false;
    for (const expected of expectedSigns(requestTime)) {
      matched = nodeCrypto.timingSafeEqual(given, expected) || matched;
    }
    if (!matched) throw new SignatureVerificationError('Sign does not match');
  };
}

/**
 * The Sign in lowercase hex, or undefined when it is no hex SHA-256. Tencent sends lowercase,
 * which is kept as it is.
 */
function asLowercaseSign(sign: string | undefined): string | undefined {
  if (sign === undefined) return undefined;
  if (LOWERCASE_SIGN.test(sign)) return sign;
  return SIGN.test(sign) ? sign.toLowerCase() : undefined;
}
