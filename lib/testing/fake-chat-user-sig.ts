// The fake Chat server's check of a TLS 2.0 UserSig, written from Tencent's description rather
// than with tls-sig-api-v2 (which only signs), so that a client's signing is checked by an
// independent reading of the format.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import {
  USER_SIG_EXPIRED,
  USER_SIG_IDENTIFIER_MISMATCH,
  USER_SIG_MISMATCH,
  USER_SIG_SDK_APP_ID_MISMATCH,
  USER_SIG_UNPARSABLE,
} from '../protocol/chat-api-error-codes';

export interface UserSigCheck {
  sdkAppId: number;
  secretKey: string;
  identifier: string;
  nowSeconds: number;
}

/** Undefined when the UserSig is valid for the identifier and app in the URL; else the ErrorCode and ErrorInfo to answer. */
export function userSigFailure(
  doc: Record<string, unknown> | undefined,
  check: UserSigCheck,
): { code: number; info: string } | undefined {
  if (doc === undefined) return { code: USER_SIG_UNPARSABLE, info: 'UserSig could not be parsed' };
  if (doc['TLS.identifier'] !== check.identifier) {
    return { code: USER_SIG_IDENTIFIER_MISMATCH, info: 'identifier does not match the UserSig' };
  }
  if (doc['TLS.sdkappid'] !== check.sdkAppId) {
    return { code: USER_SIG_SDK_APP_ID_MISMATCH, info: 'sdkappid does not match the UserSig' };
  }
  const signed =
    `TLS.identifier:${doc['TLS.identifier']}\nTLS.sdkappid:${doc['TLS.sdkappid']}\n` +
    `TLS.time:${doc['TLS.time']}\nTLS.expire:${doc['TLS.expire']}\n`;
  const expected = createHmac('sha256', check.secretKey).update(signed).digest();
  const given = Buffer.from(String(doc['TLS.sig']), 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { code: USER_SIG_MISMATCH, info: 'UserSig verification failed' };
  }
  if (Number(doc['TLS.time']) + Number(doc['TLS.expire']) < check.nowSeconds) {
    return { code: USER_SIG_EXPIRED, info: 'UserSig expired' };
  }
  return undefined;
}

/** The UserSig's JSON document (base64 with `*` for `+`, `-` for `/` and `_` for `=`, over zlib-deflated JSON); undefined when it does not decode. */
export function decodeUserSig(userSig: string): Record<string, unknown> | undefined {
  try {
    const base64 = userSig.replaceAll('*', '+').replaceAll('-', '/').replaceAll('_', '=');
    const doc: unknown = JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8'));
    if (typeof doc !== 'object' || doc === null || (doc as Record<string, unknown>)['TLS.ver'] !== '2.0') {
      return undefined;
    }
    return doc as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
