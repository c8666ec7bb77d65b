/**
 * createCallbackSignatureCheck: the other callback commands a receiver passes on unchecked, checked
 * by the app as the receivers check recalls (the same Sign, freshness window and tokens).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import {
  createCallbackSignatureCheck,
  recallWebhook,
  SdkAppIdMismatchError,
  SignatureVerificationError,
  signRequestTime,
} from '../../lib/entries';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';

const SDK_APP_ID = 1400000000;
const TOKEN = 'other-commands-token';
// Tencent's test vector: token xxxxyyyy, RequestTime 1669872112.
const VECTOR = {
  token: 'xxxxyyyy',
  requestTime: '1669872112',
  sign: '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061',
};
const AT_VECTOR = () => Number(VECTOR.requestTime) * 1000;
const OTHER_COMMAND = 'Group.CallbackAfterSendMsg';

function rejection(run: () => void): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the check to throw');
}

describe('the check', () => {
  const check = createCallbackSignatureCheck({ token: VECTOR.token, now: AT_VECTOR });
  const signed = `SdkAppid=${SDK_APP_ID}&CallbackCommand=${OTHER_COMMAND}&RequestTime=${VECTOR.requestTime}&Sign=${VECTOR.sign}`;

  it("passes Tencent's test vector in every form a framework hands the query over", () => {
    expect(() => check(signed)).not.toThrow();
    expect(() => check(`?${signed}`)).not.toThrow();
    expect(() => check(`/callback?${signed}`)).not.toThrow();
    expect(() => check(new URLSearchParams(signed))).not.toThrow();
    expect(() => check(new URL(`https://example.com/callback?${signed}`))).not.toThrow();
    expect(() => check(Object.fromEntries(new URLSearchParams(signed)))).not.toThrow();
  });

  it.each([
    ['no Sign', `RequestTime=${VECTOR.requestTime}`, 'missing or malformed Sign'],
    ['no RequestTime', `Sign=${VECTOR.sign}`, 'missing or malformed RequestTime'],
    ['a wrong Sign', `RequestTime=${VECTOR.requestTime}&Sign=${'0'.repeat(64)}`, 'Sign does not match'],
    [
      'a repeated Sign',
      `RequestTime=${VECTOR.requestTime}&Sign=${VECTOR.sign}&Sign=${VECTOR.sign}`,
      'missing or malformed Sign',
    ],
    [
      'a stale RequestTime',
      `RequestTime=${Number(VECTOR.requestTime) - 61}&Sign=${signRequestTime(VECTOR.token, Number(VECTOR.requestTime) - 61)}`,
      'RequestTime is outside the accepted window',
    ],
  ])('refuses %s with a SignatureVerificationError (401)', (_case, query, message) => {
    const error = rejection(() => check(query));
    expect(error).toBeInstanceOf(SignatureVerificationError);
    expect(error).toMatchObject({ status: 401, message });
  });

  it('refuses a parsed query whose values are not single strings', () => {
    const query = { RequestTime: VECTOR.requestTime, Sign: VECTOR.sign };
    expect(() => check({ ...query, Sign: [VECTOR.sign, VECTOR.sign] })).toThrow('missing or malformed Sign');
    expect(() => check({ ...query, Sign: { nested: VECTOR.sign } })).toThrow('missing or malformed Sign');
    expect(() => check({ ...query, RequestTime: [VECTOR.requestTime] })).not.toThrow();
    expect(() =>
      check(Object.create({ Sign: VECTOR.sign, RequestTime: VECTOR.requestTime }) as Record<string, unknown>),
    ).toThrow(SignatureVerificationError);
  });

  it('accepts any of several tokens while rotating, and keeps the tolerance it was given', () => {
    const rotating = createCallbackSignatureCheck({ token: ['new-token', VECTOR.token], now: AT_VECTOR });
    expect(() => rotating(signed)).not.toThrow();
    const later = () => AT_VECTOR() + 90_000;
    expect(() => createCallbackSignatureCheck({ token: VECTOR.token, now: later })(signed)).toThrow('outside');
    expect(() =>
      createCallbackSignatureCheck({ token: VECTOR.token, now: later, toleranceSeconds: 120 })(signed),
    ).not.toThrow();
  });

  it("picks an app's own tokens by SdkAppid, and refuses other apps (403)", () => {
    const perApp = createCallbackSignatureCheck({
      token: { [SDK_APP_ID]: VECTOR.token, 1400000001: 'another-token' },
      now: AT_VECTOR,
    });
    expect(() => perApp(signed)).not.toThrow();
    const otherApp = rejection(() => perApp(signed.replace(String(SDK_APP_ID), '1400000001')));
    expect(otherApp).toMatchObject({ status: 401, message: 'Sign does not match' });
    for (const query of [signed.replace(String(SDK_APP_ID), '42'), signed.replace(/SdkAppid=\d+&/, '')]) {
      const error = rejection(() => perApp(query));
      expect(error).toBeInstanceOf(SdkAppIdMismatchError);
      expect(error).toMatchObject({ status: 403 });
    }
  });

  it.each([
    [{ token: '' }, /"token" must be a non-empty string/],
    [{ token: [] }, /"token" must be a non-empty string/],
    [{ token: {} }, /"token" must be a token/],
    [{ token: { abc: 't' } }, /keyed by SdkAppid/],
    [{ token: { 1400000000: [''] } }, /"token.1400000000" must be/],
    [{ token: 't', toleranceSeconds: 0 }, /"toleranceSeconds"/],
    [{ token: 't', toleranceSeconds: 2 ** 31 }, /"toleranceSeconds"/],
    [{ token: 't', now: 5 }, /"now" must be a function/],
    [undefined, /expected an object/],
  ])('refuses invalid options %j', (options, message) => {
    expect(() => createCallbackSignatureCheck(options as never)).toThrow(message);
  });
});

describe('behind a receiver that has a token', () => {
  it('the other commands reach next() unchecked; the check is what refuses them unsigned', async () => {
    const check = createCallbackSignatureCheck({ token: TOKEN });
    const reached: string[] = [];
    const app = express();
    app.use(express.json());
    app.post('/callback', recallWebhook({ sdkAppId: SDK_APP_ID, token: TOKEN, onRecall: () => {} }), (req, res) => {
      reached.push(String(req.query.CallbackCommand));
      try {
        check(req.query as Record<string, unknown>);
      } catch (error) {
        if (!(error instanceof SignatureVerificationError)) throw error;
        res.status(error.status).json({ ActionStatus: 'FAIL', ErrorInfo: error.message, ErrorCode: 1 });
        return;
      }
      res.json({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const post = (query: Record<string, string>) =>
        fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/callback?${new URLSearchParams(query)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...createRecallEvent(), CallbackCommand: OTHER_COMMAND }),
        });
      const unsigned = await post(createCallbackQuery(SDK_APP_ID, { callbackCommand: OTHER_COMMAND }));
      expect(unsigned.status).toBe(401);
      const signed = await post(createCallbackQuery(SDK_APP_ID, { callbackCommand: OTHER_COMMAND, token: TOKEN }));
      expect(signed.status).toBe(200);
      expect(reached).toEqual([OTHER_COMMAND, OTHER_COMMAND]);
      // A recall itself is checked by the receiver.
      const recall = await post(createCallbackQuery(SDK_APP_ID, { token: 'wrong' }));
      expect(recall.status).toBe(401);
      expect(reached).toHaveLength(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
