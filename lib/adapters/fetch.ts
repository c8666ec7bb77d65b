import createDebug from 'debug';
import { JSON_CONTENT_TYPE, type Answer } from '../protocol/answers';
import type { BodySource } from '../protocol/body';
import { createRecallCore } from '../http/pipeline';
import {
  BodyTimeoutError,
  InvalidBodyError,
  PayloadTooLargeError,
  RecallWebhookError,
  UnsupportedEncodingError,
} from '../protocol/errors';
import { parseQuery } from '../protocol/query';
import type { RecallWebhookOptions } from '../http/types';

const debug = createDebug('tencent-chat-recall-webhook:fetch');

/** What a serverless runtime offers to keep it alive after the answer (Cloudflare's `ctx`, Vercel's `waitUntil`, Next.js's `after`). */
export interface RecallHandlerContext {
  waitUntil?: ((work: Promise<unknown>) => void) | undefined;
}

/**
 * A Fetch-API handler for Tencent Cloud Chat's recall callbacks, for serverless and edge runtimes.
 * It resolves to `null` for a request that is not a recall it has a handler (or a queue) for, so
 * the caller can route it elsewhere.
 * Pass the runtime's `waitUntil` in `context` so that work going on after the answer (the timeout
 * acknowledgement, `respond: 'immediately'`) is not frozen with the function.
 */
export function createRecallHandler(
  options: RecallWebhookOptions<Request>,
): (request: Request, context?: RecallHandlerContext) => Promise<Response | null> {
  const core = createRecallCore(options, 'createRecallHandler');

  return async function recallHandler(request: Request, context?: RecallHandlerContext): Promise<Response | null> {
    const url = new URL(request.url);
    const label = `${request.method} ${url.pathname}`;
    if (request.method !== 'POST') {
      debug('%s: passed on: method is %s, not POST', label, request.method);
      return null;
    }
    const params = parseQuery(url.search.slice(1));
    const command = core.claims(request.method, params);
    if (!command) {
      debug('%s: passed on: CallbackCommand is not a recall this middleware has a handler or queue for', label);
      return null;
    }
    const answer = await core.handle({
      command,
      params,
      request,
      label,
      readBody: (limit, timeoutMs) => readBody(request, limit, timeoutMs),
      // Called as a method: some runtimes' waitUntil needs its context as `this`.
      waitUntil: context?.waitUntil && ((work) => context.waitUntil?.(work)),
    });
    cancelUnreadBody(request);
    return toResponse(answer);
  };
}

async function readBody(request: Request, limit: number, timeoutMs: number): Promise<BodySource> {
  const encoding = request.headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') throw new UnsupportedEncodingError();
  const declared = Number(request.headers.get('content-length'));
  if (declared > limit) throw new PayloadTooLargeError();
  if (request.bodyUsed) throw new InvalidBodyError('the body was already read');
  if (request.body === null) return { kind: 'bytes', bytes: new Uint8Array(0) };

  const reader = request.body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    // The error (and its stack) only for a body that does time out.
    timer = setTimeout(() => reject(new BodyTimeoutError()), timeoutMs);
  });
  try {
    return await readChunks(reader, limit, deadline);
  } catch (error) {
    reader.cancel().catch(() => debug('cancelling the body stream failed'));
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
  deadline: Promise<never>,
): Promise<BodySource> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await Promise.race([reader.read(), deadline]).catch((error: unknown) => {
      if (error instanceof RecallWebhookError) throw error;
      throw new InvalidBodyError('could not read the body');
    });
    if (done) break;
    received += value.byteLength;
    if (received > limit) throw new PayloadTooLargeError();
    chunks.push(value);
  }
  return { kind: 'bytes', bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) };
}

/** An answer given before the body was read (401, 403, 413, 415) tells the runtime to stop receiving it. */
function cancelUnreadBody(request: Request): void {
  if (request.body === null || request.bodyUsed || request.body.locked) return;
  request.body.cancel().catch(() => debug('cancelling the unread body failed'));
}

function toResponse(answer: Answer): Response {
  return new Response(answer.body, {
    status: answer.status,
    headers: { ...answer.headers, 'Content-Type': JSON_CONTENT_TYPE },
  });
}
