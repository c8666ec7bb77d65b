/** What the core reads of a callback's query; `URLSearchParams` has it too. */
export interface CallbackQuery {
  get(name: string): string | null;
  getAll(name: string): string[];
}

// Printable ASCII without '%', '+' and '?': text whose form-urlencoded parse is the text itself
// (URLSearchParams decodes '%' and '+', and drops a leading '?').
const PLAIN_QUERY = /^[!-$&-*,->@-~]*$/;

// Tencent's queries are about 230 characters. Longer ones go to URLSearchParams, whose cost on a
// query of thousands of pairs was measured lower than cutting them out here.
const PLAIN_QUERY_MAX_LENGTH = 1024;

/**
 * A query string (without its '?') parsed as `URLSearchParams` parses it. Tencent's queries are
 * plain (digits, hex, names, dotted IPs), and for those the pairs are the text between '&' and
 * '=': cut out directly, that costs about a third of what `URLSearchParams` spends decoding
 * character by character (docs/performance.md). Any other query goes to `URLSearchParams`.
 */
export function parseQuery(search: string): CallbackQuery {
  const plain = search.length <= PLAIN_QUERY_MAX_LENGTH && PLAIN_QUERY.test(search);
  return plain ? new PlainQuery(search) : new URLSearchParams(search);
}

class PlainQuery implements CallbackQuery {
  /** Names and values in order: name, value, name, value… */
  private readonly pairs: string[] = [];

  constructor(search: string) {
    for (let start = 0; start <= search.length;) {
      let end = search.indexOf('&', start);
      if (end === -1) end = search.length;
      if (end > start) {
        const equals = search.indexOf('=', start);
        if (equals === -1 || equals > end) this.pairs.push(search.slice(start, end), '');
        else this.pairs.push(search.slice(start, equals), search.slice(equals + 1, end));
      }
      start = end + 1;
    }
  }

  get(name: string): string | null {
    for (let i = 0; i < this.pairs.length; i += 2) {
      if (this.pairs[i] === name) return this.pairs[i + 1];
    }
    return null;
  }

  getAll(name: string): string[] {
    const values: string[] = [];
    for (let i = 0; i < this.pairs.length; i += 2) {
      if (this.pairs[i] === name) values.push(this.pairs[i + 1]);
    }
    return values;
  }
}
