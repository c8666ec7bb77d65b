import createDebug from 'debug';
import { JSON_CONTENT_TYPE, type Answer } from './answers';
import type { BodySource } from './body';
import { createRecallCore } from './core';
import { PayloadTooLargeError, UnsupportedEncodingError } from './errors';
import type { RecallWebhookOptions } from './types';

const debug = createDebug('tencent-chat-recall-webhook:fetch');

/**
 * A Fetch-API handler for `Group.CallbackAfterRecallMsg`, for serverless and edge runtimes. It
 * resolves to `null` for a request that is not this callback, so the caller can route it elsewhere.
 */
export function createRecallHandler(
  options: RecallWebhookOptions<Request>,
): (request: Request) => Promise<Response | null> {
  const core = createRecallCore(options, 'createRecallHandler');

  return async function recallHandler(request: Request): Promise<Response | null> {
    if (request.method !== 'POST') {
      debug('passed on: method is %s, not POST', request.method);
      return null;
    }
    const params = new URL(request.url).searchParams;
    if (!core.claims(request.method, params)) {
      debug('passed on: CallbackCommand is not %s', 'Group.CallbackAfterRecallMsg');
      return null;
    }
    const answer = await core.handle({ params, request, readBody: (limit) => readBody(request, limit) });
    return toResponse(answer);
  };
}

async function readBody(request: Request, limit: number): Promise<BodySource> {
  const encoding = request.headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') throw new UnsupportedEncodingError();
  const declared = Number(request.headers.get('content-length'));
  if (declared > limit) throw new PayloadTooLargeError();
  if (request.body === null) return { kind: 'bytes', bytes: new Uint8Array(0) };

  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      await reader.cancel();
      throw new PayloadTooLargeError();
    }
    chunks.push(value);
  }
  return { kind: 'bytes', bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) };
}

function toResponse(answer: Answer): Response {
  return new Response(answer.body, { status: answer.status, headers: { 'Content-Type': JSON_CONTENT_TYPE } });
}
