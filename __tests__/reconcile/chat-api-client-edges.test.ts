/**
 * The REST client against a bare HTTP server standing in for Tencent's: an answer that declares
 * more than maxResponseBytes or has no body at all, and a rate limit whose every counted request
 * is still in flight, or that has counted well over a thousand answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatApiClient, type ChatApiClientOptions } from '../../lib/reconcile/chat-api-client';

jest.setTimeout(30_000);

const SDK_APP_ID = 1400000001;
const GROUP_INFO = 'group_open_http_svc/get_group_info';
const OK = JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{
  client(options?: Partial<ChatApiClientOptions>): ReturnType<typeof createChatApiClient>;
  close(): Promise<void>;
}> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    client: (options = {}) =>
      createChatApiClient({ sdkAppId: SDK_APP_ID, secretKey: 'key', baseUrl: `http://127.0.0.1:${port}`, ...options }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

it('rejects an answer whose declared Content-Length is over maxResponseBytes before its body has come', async () => {
  // The body never comes: only the declared length can end the call before timeoutMs.
  const tencent = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024) });
    res.write('{"ActionStatus"');
  });
  try {
    await expect(
      tencent.client({ maxResponseBytes: 2048, timeoutMs: 20_000 }).call(GROUP_INFO, { GroupIdList: ['@TGS#A'] }),
    ).rejects.toMatchObject({
      name: 'ChatApiRequestError',
      reason: 'body',
      message: `${GROUP_INFO}: the answer is larger than maxResponseBytes (2048 bytes)`,
    });
  } finally {
    await tencent.close();
  }
});

it('sends no request over the limit while every counted one is in flight, until an answer is a second old', async () => {
  const events: Array<{ what: string; at: number }> = [];
  let arrived = 0;
  const tencent = await serve((req, res) => {
    const n = ++arrived;
    events.push({ what: `arrived ${n}`, at: performance.now() });
    req.resume();
    setTimeout(() => {
      events.push({ what: `answered ${n}`, at: performance.now() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(OK);
    }, 1500);
  });
  try {
    const api = tencent.client({ maxCallsPerSecond: 2 });
    // The calls over the limit wait their turn, each until an answer is a second old.
    await Promise.all([1, 2, 3, 4].map(() => api.call(GROUP_INFO, { GroupIdList: ['@TGS#A'] })));
    const at = (what: string) => events.find((event) => event.what === what)?.at as number;
    expect(events.map((event) => event.what).slice(0, 4)).toEqual([
      'arrived 1',
      'arrived 2',
      'answered 1',
      'answered 2',
    ]);
    // Each answer counts for a second from when it came.
    expect(at('arrived 3') - at('answered 1')).toBeGreaterThanOrEqual(950);
    expect(at('arrived 4') - at('answered 2')).toBeGreaterThanOrEqual(950);
  } finally {
    await tencent.close();
  }
});

it('rejects an answer without a body (204) as a ChatApiRequestError "body"', async () => {
  const tencent = await serve((req, res) => {
    req.resume();
    res.writeHead(204).end();
  });
  try {
    await expect(tencent.client().call(GROUP_INFO, { GroupIdList: ['@TGS#A'] })).rejects.toMatchObject({
      name: 'ChatApiRequestError',
      reason: 'body',
      status: 204,
      message: `${GROUP_INFO}: the answer is not a JSON object with an ActionStatus`,
    });
  } finally {
    await tencent.close();
  }
});

it('holds maxCallsPerSecond in every second, as the server counts, past the first thousand answers', async () => {
  const arrivals: number[] = [];
  const tencent = await serve((req, res) => {
    arrivals.push(performance.now());
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(OK);
  });
  try {
    const limit = 600;
    const api = tencent.client({ maxCallsPerSecond: limit });
    // A command with no documented rate of its own: only the client's limit spaces it.
    await Promise.all(Array.from({ length: 3 * limit + 100 }, () => api.call('test/echo', {})));
    expect(arrivals).toHaveLength(3 * limit + 100);
    let most = 0;
    for (let first = 0, last = 0; first < arrivals.length; first++) {
      while (last < arrivals.length && arrivals[last] < arrivals[first] + 1000) last++;
      most = Math.max(most, last - first);
    }
    expect(most).toBeLessThanOrEqual(limit);
  } finally {
    await tencent.close();
  }
});
