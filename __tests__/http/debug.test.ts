/** Debug logging says why; it never prints a token or a signature. */
import { format } from 'node:util';
import createDebug from 'debug';
import { createRecallHandler, memoryStore, type RecallQueue } from '../../lib/entries';
import { createCallbackQuery, createRecallEvent, DEMO_SDK_APP_ID, signRequestTime } from '../../lib/testing/index';
import { SDK_APP_ID } from '../cases';
import { deliver, startApp, waitFor } from '../support/deliveries';

const TOKEN = 'debug-secret-token-123';
const lines: string[] = [];
const originalLog = createDebug.log;
const originalNamespaces = createDebug.disable();

beforeAll(() => {
  createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
  createDebug.enable('tencent-chat-recall-webhook:*');
});
afterAll(() => {
  createDebug.log = originalLog;
  createDebug.enable(originalNamespaces);
});
beforeEach(() => {
  lines.length = 0;
});

const url = (query: Record<string, string>) => `https://example.com/cb?${new URLSearchParams(query).toString()}`;
const post = (query: Record<string, string>, body = JSON.stringify(createRecallEvent())) =>
  new Request(url(query), { method: 'POST', body });

describe('debug logging', () => {
  it('says why a request was passed on', async () => {
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall: () => {} });
    await handler(new Request(url(createCallbackQuery(SDK_APP_ID)), { method: 'GET' }));
    await handler(post(createCallbackQuery(SDK_APP_ID, { callbackCommand: 'Group.CallbackAfterSendMsg' })));
    const text = lines.join('\n');
    expect(text).toContain('passed on: method is GET, not POST');
    expect(text).toContain('passed on: CallbackCommand is not a recall this middleware has a handler or queue for');
  });

  it('says why a request was rejected or handled', async () => {
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall: () => {} });
    await handler(post(createCallbackQuery(999)));
    await handler(post(createCallbackQuery(SDK_APP_ID), '{'));
    await handler(
      post(createCallbackQuery(SDK_APP_ID), JSON.stringify(createRecallEvent({ GroupId: 'logged-group' }))),
    );
    const text = lines.join('\n');
    expect(text).toContain('rejected with 403: SdkAppid is not this app');
    expect(text).toContain('rejected with 400: body is not valid JSON');
    expect(text).toContain('handled recall in group logged-group (1 messages)');
  });

  it('logs once that authentication is off', async () => {
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall: () => {} });
    await handler(post(createCallbackQuery(SDK_APP_ID)));
    await handler(post(createCallbackQuery(SDK_APP_ID)));
    expect(lines.filter((line) => line.includes('authentication is off'))).toHaveLength(1);
  });

  it('never prints the token or a signature', async () => {
    const now = Date.now();
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall: () => {}, token: TOKEN, now: () => now });
    const good = createCallbackQuery(SDK_APP_ID, { token: TOKEN, timestamp: now });
    const forged = createCallbackQuery(SDK_APP_ID, { token: 'forger', timestamp: now });
    const stale = createCallbackQuery(SDK_APP_ID, { token: TOKEN, timestamp: now - 120_000 });
    expect((await handler(post(good)))!.status).toBe(200);
    expect((await handler(post(forged)))!.status).toBe(401);
    expect((await handler(post(stale)))!.status).toBe(401);
    const text = lines.join('\n');
    expect(text).toContain('rejected with 401: Sign does not match');
    expect(text).toContain('rejected with 401: RequestTime is outside the accepted window');
    for (const secret of [TOKEN, good.Sign, forged.Sign, stale.Sign, signRequestTime(TOKEN, forged.RequestTime)]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('authentication is off');
  });

  it('logs a failing onRecall and an onError that throws', async () => {
    const handler = createRecallHandler({
      sdkAppId: SDK_APP_ID,
      onRecall: () => {
        throw new Error('x');
      },
      onError: () => {
        throw new Error('onError broke');
      },
    });
    const response = await handler(post(createCallbackQuery(SDK_APP_ID)));
    expect(response!.status).toBe(500);
    const text = lines.join('\n');
    expect(text).toContain('onRecall failed (callback)');
    expect(text).toContain('onError threw');
  });

  it('says which request each line is about: method, path and number', async () => {
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall: () => {} });
    await handler(new Request(url(createCallbackQuery(SDK_APP_ID)), { method: 'GET' }));
    await handler(post(createCallbackQuery(999)));
    await handler(post(createCallbackQuery(SDK_APP_ID)));

    expect(lines).toEqual([
      expect.stringContaining('GET /cb: passed on: method is GET, not POST'),
      expect.stringContaining('POST /cb #1: rejected with 403'),
      expect.stringContaining('POST /cb #2: authentication is off'),
      expect.stringMatching(/POST \/cb #2: handled recall in group \S+ \(1 messages\)/),
    ]);
  });

  it('names the Express request by its full path, never its query', async () => {
    const app = await startApp({ onRecall: () => {} });
    try {
      expect((await deliver(app.url, createRecallEvent())).status).toBe(200);
    } finally {
      await app.close();
    }
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/POST \/callback #1: /);
    expect(lines.join('\n')).not.toContain(String(DEMO_SDK_APP_ID));
  });

  it('logs a skipped duplicate as a duplicate, not also as handled', async () => {
    const onRecall = jest.fn();
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall, dedupe: { store: memoryStore() } });
    const body = JSON.stringify(createRecallEvent({ GroupId: 'dup-group' }));
    await handler(post(createCallbackQuery(SDK_APP_ID), body));
    await handler(post(createCallbackQuery(SDK_APP_ID), body));

    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(lines.filter((line) => line.includes('handled'))).toEqual([
      expect.stringContaining('POST /cb #1: handled recall in group dup-group'),
    ]);
    expect(lines.filter((line) => line.includes('#2:'))).toEqual([
      expect.stringContaining('duplicate delivery of tencent-chat-recall-webhook:recall:'),
    ]);
  });

  it('logs a queued recall as queued, not as handled', async () => {
    const queue: RecallQueue = { add: async () => ({}) };
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, queue });
    expect((await handler(post(createCallbackQuery(SDK_APP_ID))))!.status).toBe(200);

    expect(lines.some((line) => line.includes('POST /cb #1: queued Group.CallbackAfterRecallMsg as recall-'))).toBe(
      true,
    );
    expect(lines.some((line) => line.includes('handled'))).toBe(false);
  });

  it('with respond: immediately, logs the recall as handled once the handler has run', async () => {
    let finish!: () => void;
    const running = new Promise<void>((resolve) => (finish = resolve));
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, respond: 'immediately', onRecall: () => running });
    expect((await handler(post(createCallbackQuery(SDK_APP_ID))))!.status).toBe(200);
    expect(lines.some((line) => line.includes('handled'))).toBe(false);

    finish();
    await waitFor(() => lines.some((line) => line.includes('POST /cb #1: handled recall in group')));
  });
});
