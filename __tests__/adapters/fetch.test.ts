/** The behaviour table through the Fetch handler, with Node's global Request (no Express). */
import { createRecallHandler } from '../../lib/entries';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { cases, SDK_APP_ID, body, c2cBody, c2cQuery, query, queryString, type Case } from '../cases';
import { checkAnswer, recorder } from '../harness';

const URL_BASE = 'https://example.com/tencent-chat/callback';
const CONTENT_TYPES: Array<string | undefined> = ['application/json', undefined, 'text/plain'];

function buildRequest(testCase: Case, contentType: string | undefined): Request {
  const search = queryString(testCase.query);
  const headers = new Headers(testCase.headers);
  if (contentType !== undefined) headers.set('Content-Type', contentType);
  const method = testCase.method ?? 'POST';
  // A Uint8Array body adds no Content-Type of its own (a string would add text/plain).
  const payload = testCase.body === undefined ? undefined : new TextEncoder().encode(testCase.body);
  return new Request(search ? `${URL_BASE}?${search}` : URL_BASE, {
    method,
    headers,
    body: method === 'GET' ? undefined : payload,
  });
}

describe.each(CONTENT_TYPES.map((ct) => [ct ?? 'no Content-Type', ct] as const))(
  'Fetch handler, Content-Type %s',
  (_label, contentType) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
      const rec = recorder<Request>(testCase);
      const handler = createRecallHandler(rec.options);
      const request = buildRequest(testCase, contentType);
      const started = Date.now();
      const response = await handler(request);
      const elapsedMs = Date.now() - started;
      if (testCase.expected.passThrough) {
        // Not this callback: null, and the body is still there for whoever handles it.
        expect(response).toBeNull();
        expect(request.bodyUsed).toBe(false);
        expect(await request.text()).toBe(testCase.body ?? '');
        expect(rec.events).toHaveLength(0);
        return;
      }
      expect(response).toBeInstanceOf(Response);
      const text = await response!.text();
      await checkAnswer(testCase, rec, {
        status: response!.status,
        contentType: response!.headers.get('content-type'),
        wwwAuthenticate: response!.headers.get('www-authenticate'),
        text,
        elapsedMs,
      });
      if (testCase.expected.called) expect(rec.requests[0]).toBe(request);
    });
  },
);

describe('Fetch handler: reading the body', () => {
  const options = (extra: object = {}) => ({ sdkAppId: SDK_APP_ID, onRecall: jest.fn(), ...extra });
  const url = `${URL_BASE}?${queryString(query())}`;

  it('reads a body that arrives in several chunks', async () => {
    const onRecall = jest.fn();
    const handler = createRecallHandler(options({ onRecall }));
    const text = body({ GroupId: 'chunked-group' });
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 10));
        controller.enqueue(bytes.subarray(10, 50));
        controller.enqueue(bytes.subarray(50));
        controller.close();
      },
    });
    const response = await handler(new Request(url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit));
    expect(response!.status).toBe(200);
    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(onRecall.mock.calls[0][0].groupId).toBe('chunked-group');
    expect(onRecall.mock.calls[0][0].raw).toEqual(JSON.parse(text));
  });

  it('stops reading and answers 413 once a streamed body passes the limit', async () => {
    const handler = createRecallHandler(options({ limit: 100 }));
    let pulls = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(new Uint8Array(60).fill(0x20));
        if (pulls > 100) controller.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = await handler(new Request(url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit));
    expect(response!.status).toBe(413);
    expect(JSON.parse(await response!.text()).ErrorInfo).toContain('larger than the limit');
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(10);
  });

  it('400 empty body for a POST without a body', async () => {
    const handler = createRecallHandler(options());
    const response = await handler(new Request(url, { method: 'POST' }));
    expect(response!.status).toBe(400);
    expect(JSON.parse(await response!.text()).ErrorInfo).toContain('empty body');
  });

  const RECALLS = [
    ['a group recall', url, body()],
    ['a one-to-one recall', `${URL_BASE}?${queryString(c2cQuery())}`, c2cBody()],
  ] as const;
  const ENCODINGS = ['gzip', 'br', 'deflate'];

  it.each(RECALLS.flatMap(([kind, ...request]) => ENCODINGS.map((encoding) => [kind, encoding, ...request] as const)))(
    '415 for %s with Content-Encoding %s',
    async (_kind, encoding, recallUrl, recallBody) => {
      const onRecall = jest.fn();
      const onC2CRecall = jest.fn();
      const handler = createRecallHandler(options({ onRecall, onC2CRecall }));
      const response = await handler(
        new Request(recallUrl, { method: 'POST', body: recallBody, headers: { 'Content-Encoding': encoding } }),
      );
      expect(response!.status).toBe(415);
      expect(response!.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(JSON.parse(await response!.text())).toEqual({
        ActionStatus: 'FAIL',
        ErrorInfo: 'unsupported Content-Encoding',
        ErrorCode: 1,
      });
      expect(onRecall).not.toHaveBeenCalled();
      expect(onC2CRecall).not.toHaveBeenCalled();
    },
  );

  it('accepts Content-Encoding identity', async () => {
    const handler = createRecallHandler(options());
    const response = await handler(
      new Request(url, { method: 'POST', body: body(), headers: { 'Content-Encoding': 'Identity' } }),
    );
    expect(response!.status).toBe(200);
  });
});

describe('Fetch handler: work after the answer, on serverless runtimes', () => {
  const url = `${URL_BASE}?${new URLSearchParams(createCallbackQuery(SDK_APP_ID))}`;
  const post = () => new Request(url, { method: 'POST', body: JSON.stringify(createRecallEvent()) });

  /** A runtime context whose waitUntil, like Cloudflare's, must be called on its context. */
  function runtimeContext() {
    const pending: Array<Promise<unknown>> = [];
    const context = {
      pending,
      waitUntil(this: { pending: Array<Promise<unknown>> }, work: Promise<unknown>) {
        this.pending.push(work);
      },
    };
    return context;
  }

  it("hands the runtime the callback that runs after an answer given with respond: 'immediately'", async () => {
    let finished = false;
    const onRecall = () => new Promise<void>((resolve) => setTimeout(resolve, 50)).then(() => void (finished = true));
    const context = runtimeContext();
    const response = await createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall, respond: 'immediately' })(
      post(),
      context,
    );
    expect(response!.status).toBe(200);
    expect(context.pending).toHaveLength(1);
    expect(finished).toBe(false);
    await context.pending[0];
    expect(finished).toBe(true);
  });

  it('hands the runtime the callback still running at the timeout acknowledgement, failure reported', async () => {
    const onError = jest.fn();
    const onRecall = () => new Promise((_, reject) => setTimeout(reject, 80, new Error('late')));
    const context = runtimeContext();
    const response = await createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall, onError, timeoutMs: 20 })(
      post(),
      context,
    );
    expect(response!.status).toBe(200);
    expect(context.pending).toHaveLength(1);
    expect(onError).not.toHaveBeenCalled();
    await context.pending[0];
    expect(onError).toHaveBeenCalledWith(expect.any(Error), expect.objectContaining({ stage: 'after-answer' }));
  });

  it('asks nothing of the runtime when the answer waited for onRecall', async () => {
    const context = runtimeContext();
    const response = await createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall: async () => {} })(post(), context);
    expect(response!.status).toBe(200);
    expect(context.pending).toHaveLength(0);
  });

  it('answers 400 when the body was already read by someone else', async () => {
    const onRecall = jest.fn();
    const request = post();
    await request.text();
    const response = await createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall })(request);
    expect(response!.status).toBe(400);
    expect(JSON.parse(await response!.text())).toEqual({
      ActionStatus: 'FAIL',
      ErrorInfo: 'the body was already read',
      ErrorCode: 1,
    });
    expect(onRecall).not.toHaveBeenCalled();
  });
});
