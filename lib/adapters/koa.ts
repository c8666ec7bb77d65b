import type { Context, Middleware, Next } from 'koa';
import createDebug from 'debug';
import { JSON_CONTENT_TYPE, type Answer } from '../protocol/answers';
import type { BodySource } from '../protocol/body';
import { createRecallCore } from '../http/pipeline';
import { alreadyRead, leavesBodyUnread, pathOf, queryParams, readStream, streamConsumed } from '../http/node-io';
import type { RecallWebhookOptions } from '../http/types';

const debug = createDebug('tencent-chat-recall-webhook:koa');

/** Where koa-body keeps the text it parsed, with `includeUnparsed: true`. */
const KOA_BODY_UNPARSED = Symbol.for('unparsedBody');

/**
 * Koa middleware (Koa 2 and 3) for Tencent Cloud Chat's recall callbacks, for `app.use` or a
 * `@koa/router` route; the handlers get Koa's `ctx`. A request that is not a POST of a recall it
 * has a handler (or a queue) for goes to `next()` with its body unread, so another handler can
 * answer the other callback commands at the same URL. It reads the body itself, or takes it from a
 * body parser before it (`@koa/bodyparser`, `koa-body`): the text it kept when it kept it, else
 * what it parsed.
 */
export function recallWebhook(options: RecallWebhookOptions<Context>): Middleware {
  const core = createRecallCore(options, 'recallWebhook');

  return async function recallWebhookMiddleware(ctx: Context, next: Next): Promise<void> {
    const req = ctx.req;
    const label = `${req.method} ${pathOf(ctx.originalUrl)}`;
    if (req.method !== 'POST') {
      debug('%s: passed on: method is %s, not POST', label, req.method);
      return next();
    }
    const params = queryParams(req.url ?? '');
    const command = core.claims(req.method, params);
    if (!command) {
      debug('%s: passed on: CallbackCommand is not a recall this middleware has a handler or queue for', label);
      return next();
    }
    const answer = await core.handle({
      command,
      params,
      request: ctx,
      label,
      readBody: (limit, timeoutMs) => readBody(ctx, limit, timeoutMs),
    });
    respond(ctx, answer);
  };
}

function readBody(ctx: Context, limit: number, timeoutMs: number): Promise<BodySource> {
  if (!streamConsumed(ctx.req)) return readStream(ctx.req, limit, timeoutMs);
  // A body parser read the stream: the text it kept (@koa/bodyparser's rawBody, koa-body's
  // unparsed body) is parsed here like a body read from the stream; else what it parsed is taken
  // as it is, as the Express middleware takes express.json()'s req.body.
  const request = ctx.request as Context['request'] & { rawBody?: unknown; body?: unknown };
  const parsed = request.body;
  const text =
    typeof request.rawBody === 'string'
      ? request.rawBody
      : (parsed as Partial<Record<symbol, unknown>> | undefined)?.[KOA_BODY_UNPARSED];
  return alreadyRead(ctx.req, typeof text === 'string' ? text : parsed, limit);
}

function respond(ctx: Context, answer: Answer): void {
  ctx.status = answer.status;
  // Set before the body, so Koa does not type the string text/plain.
  ctx.set('Content-Type', JSON_CONTENT_TYPE);
  if (answer.headers) ctx.set(answer.headers);
  // As the node:http listener does: a refused body is not read to its end, the connection is closed instead.
  if (leavesBodyUnread(ctx.req)) ctx.set('Connection', 'close');
  ctx.body = answer.body;
}
