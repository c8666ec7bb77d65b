import type { IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import { createRecallCore } from '../http/pipeline';
import { NOT_CLAIMED, pathOf, queryParams, readBody, writeAnswer } from '../http/node-io';
import type { RecallWebhookOptions } from '../http/types';

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

/**
 * `createServer(createRecallListener(options))` is a complete receiver; inside another server,
 * call it with a `next` that takes the requests it does not claim.
 */
export function createRecallListener<Req extends IncomingMessage = IncomingMessage>(
  options: RecallWebhookOptions<Req>,
): RecallListener<Req> {
  return createNodeListener(options, 'createRecallListener');
}

/**
 * The node:http adapter, shared by `createRecallListener`, the Express middleware and the NestJS
 * module. `parsedBody` says where an earlier parser left the body (`req.body` by default).
 */
export function createNodeListener<Req extends IncomingMessage>(
  options: RecallWebhookOptions<Req>,
  factory: string,
  parsedBody: (req: Req) => unknown = bodyOf,
): RecallListener<Req> {
  const core = createRecallCore(options, factory);

  function passOn(req: Req, res: ServerResponse, next: NextHandler | undefined): void {
    if (next) next();
    else writeAnswer(req, res, NOT_CLAIMED);
  }

  return function recallListener(req: Req, res: ServerResponse, next?: NextHandler): void {
    // originalUrl keeps an Express mount path; a bare node:http or connect-style caller has only url.
    const url = req.url ?? '';
    const label = `${req.method} ${pathOf((req as { originalUrl?: string }).originalUrl ?? url)}`;
    if (req.method !== 'POST') {
      debug('%s: passed on: method is %s, not POST', label, req.method);
      passOn(req, res, next);
      return;
    }
    const params = queryParams(url);
    const command = core.claims(req.method, params);
    if (!command) {
      debug('%s: passed on: CallbackCommand is not a recall this middleware has a handler or queue for', label);
      passOn(req, res, next);
      return;
    }
    void core
      .handle({
        command,
        params,
        request: req,
        label,
        readBody: (limit, timeoutMs) => readBody(req, limit, timeoutMs, parsedBody(req)),
      })
      .then((answer) => writeAnswer(req, res, answer));
  };
}

/** Where Express's and Connect's body parsers leave the body. */
function bodyOf(req: IncomingMessage & { body?: unknown }): unknown {
  return req.body;
}
