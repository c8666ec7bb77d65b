/**
 * parseQuery must read every query exactly as URLSearchParams does: it only ever saves time.
 */
import fc from 'fast-check';
import { parseQuery } from '../../lib/protocol/query';
import { createCallbackQuery, DEMO_SDK_APP_ID } from '../../lib/testing/index';

const RUNS = 3000;

/** Strings made mostly of the characters that carry meaning in a query, plus anything at all. */
const queryText = fc.oneof(
  fc.string({
    unit: fc.constantFrom(
      'a',
      'b',
      'Sign',
      '=',
      '&',
      '%',
      '%2',
      '%41',
      '%zz',
      '+',
      '?',
      '#',
      ';',
      ' ',
      'é',
      '\u{1F600}',
      '\ud800',
      '\u0000',
      '~',
    ),
  }),
  fc.string({ unit: 'binary' }),
  fc.string(),
);

function expectSameAsURLSearchParams(search: string): void {
  const expected = new URLSearchParams(search);
  const parsed = parseQuery(search);
  // Every name either parse could find, so a pair only one of them sees is checked too.
  const cutNames = search.split('&').map((pair) => pair.split('=')[0]);
  const names = new Set([...expected.keys(), ...cutNames, 'a', 'b', 'Sign', '', 'SdkAppid']);
  for (const name of names) {
    expect(parsed.getAll(name)).toEqual(expected.getAll(name));
    expect(parsed.get(name)).toBe(expected.get(name));
  }
}

describe('parseQuery', () => {
  it('reads any query as URLSearchParams does', () => {
    fc.assert(
      fc.property(queryText, (search) => expectSameAsURLSearchParams(search)),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['', 'nothing'],
    ['&&a=1&&', 'empty pairs'],
    ['a', 'a name without "="'],
    ['a=', 'an empty value'],
    ['=1', 'an empty name'],
    ['a=1=2', 'a value holding "="'],
    ['a=1&a=2', 'a repeated name'],
    ['?a=1', 'a leading "?"'],
    ['a=%41+b', 'escapes'],
    ['a&b&c=1&d', 'names without "=" before and after one with it'],
  ])('reads %j (%s) as URLSearchParams does', (search) => {
    expectSameAsURLSearchParams(search);
  });

  it('hands a plain query of more than 1,024 characters to URLSearchParams', () => {
    const search = `${'a=1&'.repeat(256)}b=2`;
    expect(parseQuery(search.slice(0, 1024))).not.toBeInstanceOf(URLSearchParams);
    expect(parseQuery(search)).toBeInstanceOf(URLSearchParams);
    expectSameAsURLSearchParams(search.slice(0, 1024));
  });

  it("cuts Tencent's own queries, signed or not, without URLSearchParams", () => {
    for (const token of [undefined, 'a-token']) {
      const search = new URLSearchParams(createCallbackQuery(DEMO_SDK_APP_ID, { token })).toString();
      const parsed = parseQuery(search);
      expect(parsed).not.toBeInstanceOf(URLSearchParams);
      expectSameAsURLSearchParams(search);
    }
  });
});
