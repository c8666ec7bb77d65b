import type { IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import getRawBody from 'raw-body';
import { failAnswer, JSON_CONTENT_TYPE, type Answer } from './answers';
import type { BodySource } from './body';
import { createRecallCore } from './core';
import {
  BodyTimeoutError,
  InvalidBodyError,
  PayloadTooLargeError,
  RecallWebhookError,
  UnsupportedEncodingError,
} from './errors';
import type { RecallWebhookOptions } from './types';

const debug = createDebug('tencent-chat-recall-webhook:node-http');

/** Where a request the listener does not claim goes, as Connect and Express pass it. */
export type NextHandler = (error?: unknown) => void;

/**
 * A request listener for node:http (and anything that hands over Node's `req` and `res`).
 * Requests that are not a POST of a recall it has a handler (or a queue) for go to `next` with
 * their body unread; without `next` they are answered 404 FAIL.
 */
export type RecallListener<Req extends IncomingMessage = IncomingMessage> = (
  req: Req,
  res: ServerResponse,
  next?: NextHandler,
) => void;

const NOT_CLAIMED = failAnswer(404, 'not a recall callback');

/**
 * `createServer(createRecallListener(options))` is a complete receiver; inside another server,
 * call it with a `next` that takes the requests it does not claim.
 */
export function createRecallListener<Req extends IncomingMessage = IncomingMessage>(
  options: RecallWebhookOptions<Req>,
): RecallListener<Req> {
  return createNodeListener(options, 'createRecallListener');
}

/** The node:http adapter, shared by `createRecallListener` and the Express middleware. */
export function createNodeListener<Req extends IncomingMessage>(
  options: RecallWebhookOptions<Req>,
  factory: string,
): RecallListener<Req> {
  const core = createRecallCore(options, factory);

  function passOn(res: ServerResponse, next: NextHandler | undefined): void {
    if (next) next();
    else writeAnswer(res, NOT_CLAIMED);
  }

  return function recallListener(req: Req, res: ServerResponse, next?: NextHandler): void {
    if (req.method !== 'POST') {
      debug('passed on: method is %s, not POST', req.method);
      passOn(res, next);
      return;
    }
    const params = queryParams(req.url ?? '');
    const command = core.claims(req.method, params);
    if (!command) {
      debug('passed on: CallbackCommand is not a recall this middleware has a handler or queue for');
      passOn(res, next);
      return;
    }
    void core
      .handle({ command, params, request: req, readBody: (limit, timeoutMs) => readBody(req, limit, timeoutMs) })
      .then((answer) => writeAnswer(res, answer));
  };
}

function queryParams(url: string): URLSearchParams {
  const start = url.indexOf('?');
  return new URLSearchParams(start === -1 ? '' : url.slice(start + 1));
}

/** Takes the body in whatever state earlier middleware left it, or reads the stream itself. */
function readBody(req: IncomingMessage & { body?: unknown }, limit: number, timeoutMs: number): Promise<BodySource> {
  if (req.readableEnded || !req.readable) {
    // An earlier parser (express.json() has its own, larger default limit) read the stream:
    // the size Tencent sent still counts against this middleware's limit.
    if (Number(req.headers['content-length']) > limit) return Promise.reject(new PayloadTooLargeError());
    return Promise.resolve(sourceOf(req.body));
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return Promise.reject(new UnsupportedEncodingError());
  }
  // raw-body has no timeout: on expiry stop the flow and let the answer's Connection: close free the socket.
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.pause();
      reject(new BodyTimeoutError());
    }, timeoutMs);
    getRawBody(req, { limit, length: req.headers['content-length'] }, (error, bytes) => {
      clearTimeout(timer);
      if (error) reject(readError(error as { type?: string }));
      else resolve({ kind: 'bytes', bytes });
    });
  });
}

function readError(error: { type?: string }): RecallWebhookError {
  if (error.type === 'entity.too.large') return new PayloadTooLargeError();
  return new InvalidBodyError(
    error.type === 'request.size.invalid' ? 'body length does not match Content-Length' : 'could not read the body',
  );
}

function sourceOf(body: unknown): BodySource {
  if (body instanceof Uint8Array) return { kind: 'bytes', bytes: body };
  if (typeof body === 'string') return { kind: 'text', text: body };
  return { kind: 'parsed', value: body };
}

function writeAnswer(res: ServerResponse, answer: Answer): void {
  if (res.headersSent) {
    debug('answer %d not written: the response had already started', answer.status);
    return;
  }
  res.statusCode = answer.status;
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(answer.body));
  // The rest of an oversized, stalled or unclaimed body is never read: closing frees the socket and the client's upload.
  if (answer.status === 413 || answer.status === 408 || answer === NOT_CLAIMED) res.setHeader('Connection', 'close');
  res.end(answer.body);
}
