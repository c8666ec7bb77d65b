import type { IncomingMessage } from 'node:http';
import { createNodeListener, type RecallListener } from './node-http';
import type { RecallWebhookOptions } from '../http/types';

/**
 * What the middleware reads of an Express request, beyond Node's `IncomingMessage`: the body an
 * earlier parser (`express.json()`, `express.raw()`, `express.text()`) left, and the URL before a
 * mount path was stripped. Express 4's and 5's `Request` both have this shape; typed structurally,
 * so that no entry point's declarations need Express's types.
 */
export interface ExpressRequestLike extends IncomingMessage {
  body?: unknown;
  originalUrl?: string | undefined;
}

/**
 * Express middleware for Tencent Cloud Chat's recall callbacks (every command of `RECALL_COMMANDS`). Requests that are not a POST of a recall this middleware has a
 * handler (or a queue) for go to `next()` with their body unread, so other callback handlers can
 * share the URL. It is the node:http listener: Express 4 and 5 accept it as a `RequestHandler`.
 * Handlers see the request as `Req`: pass Express's own type to read what Express adds, as in
 * `recallWebhook<express.Request>({ ... })`.
 */
export function recallWebhook<Req extends ExpressRequestLike = ExpressRequestLike>(
  options: RecallWebhookOptions<Req>,
): RecallListener<Req> {
  return createNodeListener(options, 'recallWebhook');
}
