import { InvalidBodyError, PayloadTooLargeError } from './errors';

/**
 * A request body in whichever state the adapter found it: bytes or text still to parse as JSON
 * (whatever the Content-Type said), or a value an earlier body parser already produced.
 */
export type BodySource =
  { kind: 'bytes'; bytes: Uint8Array } | { kind: 'text'; text: string } | { kind: 'parsed'; value: unknown };

const BYTE_ORDER_MARK = 0xfeff;
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Parses the body into a plain JSON object, enforcing the byte limit on bytes and text. */
export function parseBody(source: BodySource, limit: number): object {
  switch (source.kind) {
    case 'bytes':
      if (source.bytes.byteLength > limit) throw new PayloadTooLargeError();
      return parseJsonObject(decoder.decode(source.bytes));
    case 'text':
      if (Buffer.byteLength(source.text, 'utf8') > limit) throw new PayloadTooLargeError();
      return parseJsonObject(source.text);
    case 'parsed':
      return assertObject(source.value);
  }
}

function parseJsonObject(text: string): object {
  if (text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Checked only on failure: trimming every valid body would copy it for nothing.
    throw new InvalidBodyError(text.trim() === '' ? 'empty body' : 'body is not valid JSON');
  }
  return assertObject(value);
}

function assertObject(value: unknown): object {
  if (value === undefined) throw new InvalidBodyError('empty body');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidBodyError('body is not a JSON object');
  }
  return value;
}
