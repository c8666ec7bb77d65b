import type { Request, RequestHandler } from 'express';
import { createNodeListener } from './node-http';
import type { RecallWebhookOptions } from '../protocol/types';

/**
 * Express middleware for Tencent Cloud Chat's recall callbacks (`Group.CallbackAfterRecallMsg`,
 * `C2C.CallbackAfterMsgWithDraw`). Requests that are not a POST of a recall this middleware has a
 * handler (or a queue) for go to `next()` with their body unread, so other callback handlers can
 * share the URL. It is the node:http listener, typed for Express: the only module that names
 * Express's types.
 */
export function recallWebhook(options: RecallWebhookOptions<Request>): RequestHandler {
  return createNodeListener(options, 'recallWebhook');
}
