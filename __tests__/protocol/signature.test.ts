/** Tencent's Sign and RequestTime, checked directly. */
import { signRequestTime as exported } from '../../lib/entries';
import { createSignatureVerifier, signRequestTime, type SignatureCheck } from '../../lib/protocol/signature';
import { SignatureVerificationError } from '../../lib/protocol/errors';

const NOW = 1669872112000;
const check = (tokens: string[], now = NOW, toleranceSeconds = 60) => ({ tokens, toleranceSeconds, now: () => now });

/** One check with a verifier of its own. */
const verifyOnce = (sign: string | undefined, requestTime: string | undefined, settings: SignatureCheck) =>
  createSignatureVerifier(settings)(sign, requestTime);

function failure(fn: () => void): SignatureVerificationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SignatureVerificationError);
    return error as SignatureVerificationError;
  }
  throw new Error('expected a SignatureVerificationError');
}

describe('signRequestTime', () => {
  it("matches Tencent's test vector, for a string or a number RequestTime", () => {
    const vector = '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061';
    expect(signRequestTime('xxxxyyyy', '1669872112')).toBe(vector);
    expect(signRequestTime('xxxxyyyy', 1669872112)).toBe(vector);
    expect(exported).toBe(signRequestTime);
  });

  it('is plain concatenation, not an HMAC or a separator', () => {
    expect(signRequestTime('xxxxyyyy1', '669872112')).toBe(signRequestTime('xxxxyyyy', '1669872112'));
    expect(signRequestTime('a', '1')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('createSignatureVerifier', () => {
  const sign = signRequestTime('tok', '1669872112');

  it('accepts a valid lower- or upper-case Sign', () => {
    expect(() => verifyOnce(sign, '1669872112', check(['tok']))).not.toThrow();
    expect(() => verifyOnce(sign.toUpperCase(), '1669872112', check(['tok']))).not.toThrow();
  });

  it.each([
    [undefined, 'missing or malformed RequestTime'],
    ['', 'missing or malformed RequestTime'],
    ['1669872112000000', 'missing or malformed RequestTime'],
    ['1669872112 ', 'missing or malformed RequestTime'],
    ['1.6e9', 'missing or malformed RequestTime'],
  ])('rejects RequestTime %j', (requestTime, message) => {
    expect(failure(() => verifyOnce(sign, requestTime, check(['tok']))).message).toBe(message);
  });

  it.each([[undefined], [''], [sign + '0'], [sign.slice(0, 62)], [' ' + sign.slice(1)]])(
    'rejects Sign %j as missing or malformed',
    (bad) => {
      const error = failure(() => verifyOnce(bad, '1669872112', check(['tok'])));
      expect(error.message).toBe('missing or malformed Sign');
      expect(error.status).toBe(401);
    },
  );

  it('checks the window in both directions, inclusive, against the injected clock', () => {
    const at = (requestTime: number, now: number) => () =>
      verifyOnce(signRequestTime('tok', requestTime), String(requestTime), check(['tok'], now));
    expect(at(1669872052, NOW)).not.toThrow();
    expect(at(1669872172, NOW)).not.toThrow();
    expect(failure(at(1669872051, NOW)).message).toBe('RequestTime is outside the accepted window');
    expect(failure(at(1669872173, NOW)).message).toBe('RequestTime is outside the accepted window');
    // The window counts whole seconds, as RequestTime does: the rest of the edge second is inside.
    expect(at(1669872052, NOW + 999)).not.toThrow();
    expect(failure(at(1669872052, NOW + 1000)).message).toBe('RequestTime is outside the accepted window');
  });

  it('rejects when the clock is broken', () => {
    expect(failure(() => verifyOnce(sign, '1669872112', check(['tok'], Number.NaN))).message).toBe(
      'RequestTime is outside the accepted window',
    );
  });

  it('names a wrong Sign without revealing the expected value or the token', () => {
    const error = failure(() => verifyOnce('0'.repeat(64), '1669872112', check(['tok'])));
    expect(error.message).toBe('Sign does not match');
    expect(error.message).not.toContain(sign);
    expect(error.message).not.toContain('tok');
  });

  it('within one RequestTime, reuses the expected Signs and still rejects a wrong one', () => {
    const verify = createSignatureVerifier(check(['tok', 'old']));
    const oldSign = signRequestTime('old', '1669872112');
    const nextSign = signRequestTime('tok', '1669872113');
    const hashSpy = jest.spyOn(require('node:crypto'), 'hash');
    expect(() => verify(sign, '1669872112')).not.toThrow();
    expect(() => verify(oldSign, '1669872112')).not.toThrow();
    expect(failure(() => verify('0'.repeat(64), '1669872112')).message).toBe('Sign does not match');
    // One hash per token for the first request of that second, none after.
    expect(hashSpy).toHaveBeenCalledTimes(2);
    // The next second is hashed afresh: the previous Sign no longer matches.
    expect(failure(() => verify(sign, '1669872113')).message).toBe('Sign does not match');
    expect(() => verify(nextSign, '1669872113')).not.toThrow();
    expect(hashSpy).toHaveBeenCalledTimes(4);
    hashSpy.mockRestore();
  });

  it('compares against every token, whichever matches', () => {
    const tokens = ['one', 'two', 'three'];
    const hashSpy = jest.spyOn(require('node:crypto'), 'timingSafeEqual');
    for (const token of tokens) {
      hashSpy.mockClear();
      expect(() => verifyOnce(signRequestTime(token, '1669872112'), '1669872112', check(tokens))).not.toThrow();
      // No early exit: all three tokens are compared even when the first matches.
      expect(hashSpy).toHaveBeenCalledTimes(3);
    }
    hashSpy.mockRestore();
    expect(failure(() => verifyOnce(signRequestTime('four', '1669872112'), '1669872112', check(tokens))).message).toBe(
      'Sign does not match',
    );
  });
});
