import type { IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import type getRawBody from 'raw-body';
import { failAnswer, JSON_CONTENT_TYPE, type Answer } from '../protocol/answers';
import type { BodySource } from '../protocol/body';
import {
  BodyTimeoutError,
  InvalidBodyError,
  PayloadTooLargeError,
  RecallWebhookError,
  UnsupportedEncodingError,
} from '../protocol/errors';
import { parseQuery, type CallbackQuery } from '../protocol/query';
import { escapeControl } from '../delivery/log';

// The Node side of every adapter that hands over Node's `req` and `res` (node:http, Express,
// Koa, Fastify, NestJS): the body read against limit and timeout, the answer written.
const debug = createDebug('tencent-chat-recall-webhook:node-http');

const EMPTY_BODY = Buffer.alloc(0);

/** The answer to a request no handler took, where there is nothing to pass it on to. */
export const NOT_CLAIMED = failAnswer(404, 'not a recall callback');

/**
 * The path of a request URL, without its query (which holds Sign), for debug and log lines:
 * escaped, since Node hands over bytes past ASCII in a request line as Latin-1 (a raw 0x9B is CSI).
 */
export function pathOf(url: string): string {
  const start = url.indexOf('?');
  return escapeControl(start === -1 ? url : url.slice(0, start));
}

/** The parsed query of a request URL. */
export function queryParams(url: string): CallbackQuery {
  const start = url.indexOf('?');
  return parseQuery(start === -1 ? '' : url.slice(start + 1));
}

/**
 * Takes the body in whatever state earlier middleware left it (`parsed`: what a parser made of
 * it, `req.body` by default), or reads the stream itself.
 */
export function readBody(
  req: IncomingMessage & { body?: unknown },
  limit: number,
  timeoutMs: number,
  parsed: unknown = req.body,
): Promise<BodySource> {
  return streamConsumed(req) ? alreadyRead(req, parsed, limit) : readStream(req, limit, timeoutMs);
}

/** True when an earlier parser has read (or started reading) the request's stream. */
export function streamConsumed(req: IncomingMessage): boolean {
  return req.readableEnded || !req.readable;
}

/**
 * The body an earlier parser produced from a stream it read: bytes, text or a parsed value. The
 * parser had its own limit (express.json()'s and koa-body's are larger), so this one's is applied
 * again: to `Content-Length`, to the bytes or text the parser kept (when `parseBody` reads them),
 * and to a parsed value's size as JSON, since a chunked or compressed body has no length that
 * tells how large it was.
 */
export function alreadyRead(req: IncomingMessage, body: unknown, limit: number): Promise<BodySource> {
  if (Number(req.headers['content-length']) > limit) return Promise.reject(new PayloadTooLargeError());
  const source = sourceOf(body);
  if (source.kind === 'parsed' && serializedSize(source.value) > limit) {
    return Promise.reject(new PayloadTooLargeError());
  }
  return Promise.resolve(source);
}

/** A parsed body's size in bytes as JSON; 0 for what JSON cannot write (the schema refuses it). */
function serializedSize(value: unknown): number {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return 0;
  }
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

/** Reads the unread stream against `limit` and `timeoutMs`; a compressed body is refused (415). */
export function readStream(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodySource> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return Promise.reject(new UnsupportedEncodingError());
  }
  return new Promise((resolve, reject) => {
    // The immediate runs once the parser is done with the data that brought the headers (a
    // tick would run between the headers and the body): a body that came with them is whole in
    // the request's buffer and is taken from there, with no timer; only one still arriving is
    // read by raw-body, against the body timer.
    setImmediate(() => {
      if (req.destroyed) reject(new InvalidBodyError('could not read the body'));
      else if (req.complete) takeBuffered(req, limit, resolve, reject);
      else readArriving(req, limit, timeoutMs, resolve, reject);
    });
  });
}

type Resolve = (source: BodySource) => void;
type Reject = (error: RecallWebhookError) => void;

function takeBuffered(req: IncomingMessage, limit: number, resolve: Resolve, reject: Reject): void {
  if (req.readableLength > limit) {
    reject(new PayloadTooLargeError());
    return;
  }
  // Read until the buffer is empty: only a read() that finds nothing left lets 'end' follow (a
  // single read() may leave the last chunk behind, as Node 26 does for a chunked body).
  const chunks: Buffer[] = [];
  for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) chunks.push(chunk);
  const bytes = chunks.length === 0 ? EMPTY_BODY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  // 'end' follows on a later tick; until then the request would look unread.
  if (req.readableEnded) resolve({ kind: 'bytes', bytes });
  else req.once('end', () => resolve({ kind: 'bytes', bytes }));
}

function readArriving(req: IncomingMessage, limit: number, timeoutMs: number, resolve: Resolve, reject: Reject): void {
  // raw-body has no timeout: on expiry stop the flow and let the answer's Connection: close free the socket.
  const timer = setTimeout(() => {
    req.pause();
    reject(new BodyTimeoutError());
  }, timeoutMs);
  // Required here, not imported: a body that came with the headers, the usual case, never needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const readStream = require('raw-body') as typeof getRawBody;
  readStream(req, { limit, length: req.headers['content-length'] }, (error, bytes) => {
    clearTimeout(timer);
    if (error) reject(readError(error as { type?: string }));
    else resolve({ kind: 'bytes', bytes });
  });
}

function readError(error: { type?: string }): RecallWebhookError {
  if (error.type === 'entity.too.large') return new PayloadTooLargeError();
  return new InvalidBodyError(
    error.type === 'request.size.invalid' ? 'body length does not match Content-Length' : 'could not read the body',
  );
}

export function sourceOf(body: unknown): BodySource {
  if (body instanceof Uint8Array) return { kind: 'bytes', bytes: body };
  if (typeof body === 'string') return { kind: 'text', text: body };
  return { kind: 'parsed', value: body };
}

/** True when the request has a body the answer would leave unread (HTTP/1; HTTP/2 has no Connection header). */
export function leavesBodyUnread(req: IncomingMessage): boolean {
  if (req.readableEnded || req.httpVersionMajor >= 2) return false;
  const length = req.headers['content-length'];
  return length === undefined ? req.headers['transfer-encoding'] !== undefined : length !== '0';
}

/** Writes an answer as the core gave it, closing the connection when the request body was left unread. */
export function writeAnswer(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  if (res.headersSent) {
    debug('answer %d not written: the response had already started', answer.status);
    return;
  }
  const headers: Record<string, string | number> = {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(answer.body),
    ...answer.headers,
  };
  // Node would read and discard the rest of an unread body however slow or large it is; closing
  // instead keeps a refused sender (401, 403, 413, 415, 408) from holding the socket or pushing
  // past the limit. A body read to its end leaves nothing behind, so keep-alive stays.
  if (leavesBodyUnread(req)) headers.Connection = 'close';
  // Headers in writeHead skip setHeader's bookkeeping; ones earlier middleware set are kept.
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
