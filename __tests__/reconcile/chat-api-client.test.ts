/**
 * The REST API client against the fake Chat server (and a bare capture server) over real HTTP on
 * 127.0.0.1: signing, answers, frequency limits and retries, transport failures, UserSig renewal,
 * and that only the reconcile entry loads tls-sig-api-v2.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import getRawBody from 'raw-body';
import {
  ChatApiError,
  ChatApiRequestError,
  createChatApiClient,
  type ChatApiClientOptions,
} from '../../lib/entries/reconcile';
import { startFakeChatServer, type FakeChatServer } from '../../lib/testing/fake-chat-server';
import { decodeUserSig, userSigFailure } from '../../lib/testing/fake-chat-user-sig';

const SDK_APP_ID = 1400000001;
const SECRET_KEY = 'the-secret-key-of-the-app';
const GROUP_INFO = 'group_open_http_svc/get_group_info';
const FREQUENCY_LIMIT = 60007;

let fake: FakeChatServer;

beforeEach(async () => {
  fake = await startFakeChatServer({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY });
  fake.createGroup({ groupId: '@TGS#A' });
});

afterEach(async () => {
  jest.useRealTimers();
  await fake.close();
});

function client(options: Partial<ChatApiClientOptions> = {}) {
  return createChatApiClient({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, baseUrl: fake.baseUrl, ...options });
}

function groupInfo(api: ReturnType<typeof client>) {
  return api.call<{ GroupInfo: Array<{ GroupId: string; ErrorCode: number }> }>(GROUP_INFO, {
    GroupIdList: ['@TGS#A'],
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('options', () => {
  it.each([
    [{ secretKey: undefined }, /"secretKey" is required/],
    [{ sdkAppId: 'abc' }, /"sdkAppId" .*digits/],
    [{ baseUrl: 'ftp://example.com' }, /"baseUrl" must be a valid uri/],
    [{ maxCallsPerSecond: 0 }, /"maxCallsPerSecond" must be greater than or equal to 0.01/],
    // Past the timer bound and out of range: each would have the client misbehave, not fail.
    [{ maxCallsPerSecond: 1e-7 }, /"maxCallsPerSecond" must be greater than or equal to 0.01/],
    [{ maxCallsPerSecond: 1e6 }, /"maxCallsPerSecond" must be less than or equal to 10000/],
    [{ timeoutMs: 2 ** 31 }, /"timeoutMs" must be at most 2147483647 ms/],
    [{ timeoutMs: 0 }, /"timeoutMs" must be greater than or equal to 1/],
    [{ retryDelayMs: 2 ** 31 }, /"retryDelayMs" must be less than or equal to 10000/],
    [{ maxRetries: 1e9 }, /"maxRetries" must be less than or equal to 100/],
    [{ maxResponseBytes: 10 }, /"maxResponseBytes" must be greater than or equal to 1024/],
    [{ userSigExpireSeconds: 2 ** 40 }, /"userSigExpireSeconds" must be less than or equal to 15552000/],
    [{ identifier: '' }, /"identifier" is not allowed to be empty/],
    [{ userSigExpireSeconds: 10 }, /"userSigExpireSeconds" must be greater than or equal to 60/],
  ])('%j is a TypeError naming the option', (override, message) => {
    expect(() => client(override as Partial<ChatApiClientOptions>)).toThrow(TypeError);
    expect(() => client(override as Partial<ChatApiClientOptions>)).toThrow(message);
  });

  it('never puts the secret key in an error', () => {
    expect(() => client({ maxCallsPerSecond: -1 })).not.toThrow(SECRET_KEY);
  });

  it('takes every optional option as undefined', async () => {
    const api = client({
      identifier: undefined,
      maxCallsPerSecond: undefined,
      timeoutMs: undefined,
      maxRetries: undefined,
      retryDelayMs: undefined,
      userSigExpireSeconds: undefined,
    });
    expect(api.sdkAppId).toBe(SDK_APP_ID);
    await expect(groupInfo(api)).resolves.toMatchObject({ ActionStatus: 'OK' });
  });

  it('takes the SDKAppID as a string of digits', () => {
    expect(client({ sdkAppId: String(SDK_APP_ID) }).sdkAppId).toBe(SDK_APP_ID);
  });
});

describe('the request', () => {
  let capture: Server;
  const requests: Array<{ req: IncomingMessage; body: string }> = [];

  beforeEach(async () => {
    requests.length = 0;
    capture = createServer((req, res) => {
      void getRawBody(req, { encoding: 'utf8' }).then((body) => {
        requests.push({ req, body });
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, Echo: 1 }));
      });
    });
    capture.listen(0, '127.0.0.1');
    await new Promise((resolve) => capture.once('listening', resolve));
  });

  afterEach(async () => {
    capture.closeAllConnections();
    await new Promise((resolve) => capture.close(resolve));
  });

  it('is a JSON POST to /v4/<command> with the account, a valid UserSig, a fresh random and contenttype=json', async () => {
    const { port } = capture.address() as AddressInfo;
    const api = createChatApiClient({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      identifier: 'ops_admin',
      baseUrl: `http://127.0.0.1:${port}/`,
    });
    await expect(api.call('openim/admin_getroammsg', { MaxCnt: 1 })).resolves.toEqual({
      ActionStatus: 'OK',
      ErrorInfo: '',
      ErrorCode: 0,
      Echo: 1,
    });
    await api.call('openim/admin_getroammsg', {});

    const urls = requests.map(({ req }) => new URL(req.url ?? '', 'http://x'));
    expect(requests.map(({ req }) => req.method)).toEqual(['POST', 'POST']);
    expect(requests[0].req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(requests[0].body)).toEqual({ MaxCnt: 1 });
    expect(JSON.parse(requests[1].body)).toEqual({});
    for (const url of urls) {
      expect(url.pathname).toBe('/v4/openim/admin_getroammsg');
      expect(url.searchParams.get('sdkappid')).toBe(String(SDK_APP_ID));
      expect(url.searchParams.get('identifier')).toBe('ops_admin');
      expect(url.searchParams.get('contenttype')).toBe('json');
      const random = Number(url.searchParams.get('random'));
      expect(Number.isInteger(random) && random >= 0 && random < 2 ** 32).toBe(true);
      const check = {
        sdkAppId: SDK_APP_ID,
        secretKey: SECRET_KEY,
        identifier: 'ops_admin',
        nowSeconds: Date.now() / 1000,
      };
      expect(userSigFailure(decodeUserSig(url.searchParams.get('usersig') ?? ''), check)).toBeUndefined();
    }
    expect(urls[0].searchParams.get('random')).not.toBe(urls[1].searchParams.get('random'));
    // The UserSig is signed once and reused.
    expect(urls[0].searchParams.get('usersig')).toBe(urls[1].searchParams.get('usersig'));
    expect(api.callsMade).toBe(2);
  });

  it('rejects a command that is not "service/command", or a body that is not an object, with a TypeError, sending nothing', async () => {
    const { port } = capture.address() as AddressInfo;
    const api = createChatApiClient({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      baseUrl: `http://127.0.0.1:${port}`,
    });
    await expect(api.call('../admin', {})).rejects.toThrow(TypeError);
    await expect(api.call('openim/admin_getroammsg?x=1', {})).rejects.toThrow(TypeError);
    await expect(api.call('openim/admin_getroammsg', undefined as unknown as object)).rejects.toThrow(
      'body must be an object',
    );
    expect(requests).toHaveLength(0);
    expect(api.callsMade).toBe(0);
  });
});

describe('answers', () => {
  it('resolves to the OK answer', async () => {
    const answer = await groupInfo(client());
    expect(answer.GroupInfo).toEqual([expect.objectContaining({ GroupId: '@TGS#A', ErrorCode: 0 })]);
    expect(fake.calls).toEqual([expect.objectContaining({ command: GROUP_INFO, errorCode: 0 })]);
  });

  it('rejects a FAIL answer with a ChatApiError carrying code, info and command, not retried', async () => {
    const api = client();
    const error = await rejection(
      api.call('group_open_http_svc/group_msg_get_simple', { GroupId: '@TGS#missing', ReqMsgNumber: 1 }),
    );
    expect(error).toBeInstanceOf(ChatApiError);
    expect(error).toMatchObject({
      name: 'ChatApiError',
      code: 10010,
      info: expect.stringContaining('does not exist'),
      command: 'group_open_http_svc/group_msg_get_simple',
    });
    expect(api.callsMade).toBe(1);
  });

  it('is rejected by the server when signed with another key, and the error holds neither key nor UserSig', async () => {
    const api = client({ secretKey: 'not-the-key' });
    const error = (await rejection(groupInfo(api))) as ChatApiError;
    expect(error).toMatchObject({ code: 70009, command: GROUP_INFO });
    const url = fake.calls[0];
    expect(url.userSigTime).toBeGreaterThan(0);
    const exposed = JSON.stringify({ ...error, message: error.message, stack: error.stack });
    expect(exposed).not.toContain('not-the-key');
    expect(exposed).not.toContain('usersig=');
  });

  it('is rejected by the server for an identifier that is not the admin', async () => {
    await expect(groupInfo(client({ identifier: 'user_alice' }))).rejects.toMatchObject({ code: 60010 });
  });

  it('gives -1 and an empty info to a FAIL answer without ErrorCode or ErrorInfo', async () => {
    fake.injectFault({ rawBody: '{"ActionStatus":"FAIL"}' });
    await expect(groupInfo(client())).rejects.toMatchObject({ name: 'ChatApiError', code: -1, info: '' });
  });
});

describe('frequency limits', () => {
  it('retries the frequency-limit answer with backoff until it passes', async () => {
    await fake.close();
    fake = await startFakeChatServer({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, maxCallsPerSecond: 2 });
    fake.createGroup({ groupId: '@TGS#A' });
    const api = client({ maxCallsPerSecond: 1000, retryDelayMs: 200, maxRetries: 8 });

    const answers = await Promise.all(Array.from({ length: 6 }, () => groupInfo(api)));

    expect(answers.every((a) => a.GroupInfo[0].ErrorCode === 0)).toBe(true);
    const limited = fake.calls.filter((c) => c.errorCode === FREQUENCY_LIMIT);
    expect(limited.length).toBeGreaterThan(0);
    expect(fake.calls.filter((c) => c.errorCode === 0)).toHaveLength(6);
    expect(api.callsMade).toBe(6 + limited.length);
  });

  it.each([60007, 60011, 60018, 60019])(
    'retries ErrorCode %i a bounded number of times, then rejects',
    async (code) => {
      fake.injectFault({ errorCode: code, times: 10 });
      const api = client({ maxRetries: 2, retryDelayMs: 1 });
      await expect(groupInfo(api)).rejects.toMatchObject({ name: 'ChatApiError', code });
      expect(api.callsMade).toBe(3);
      expect(fake.calls).toHaveLength(3);
    },
  );

  it('does not retry with maxRetries 0', async () => {
    fake.injectFault({ errorCode: FREQUENCY_LIMIT, times: 2 });
    const api = client({ maxRetries: 0 });
    await expect(groupInfo(api)).rejects.toMatchObject({ code: FREQUENCY_LIMIT });
    expect(api.callsMade).toBe(1);
  });

  it('spaces calls so that a server allowing a little more never answers the frequency limit', async () => {
    await fake.close();
    fake = await startFakeChatServer({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, maxCallsPerSecond: 10 });
    fake.createGroup({ groupId: '@TGS#A' });
    // Sent all at once, 16 calls would be 6 over the fake's 10 a second.
    const api = client({ maxCallsPerSecond: 8, maxRetries: 0 });

    await Promise.all(Array.from({ length: 16 }, () => groupInfo(api)));

    expect(fake.calls.map((c) => c.errorCode)).toEqual(Array(16).fill(0));
  });

  it('a client slower than a command’s documented rate is spaced by its own rate only', async () => {
    const api = client({ maxCallsPerSecond: 1, maxRetries: 0 });
    await api.call('group_open_http_svc/get_appid_group_list', {});
    expect(fake.calls.map((c) => c.errorCode)).toEqual([0]);
  });

  it('spaces get_appid_group_list at its documented 1 call a second', async () => {
    const api = client({ maxRetries: 0 });
    for (let i = 0; i < 3; i++) await api.call('group_open_http_svc/get_appid_group_list', {});
    expect(fake.calls.map((c) => c.errorCode)).toEqual([0, 0, 0]);
  });
});

describe('no usable answer', () => {
  it('a timeout is a ChatApiRequestError "timeout", not retried', async () => {
    fake.injectFault({ delayMs: 1000 });
    const api = client({ timeoutMs: 100 });
    const error = await rejection(groupInfo(api));
    expect(error).toBeInstanceOf(ChatApiRequestError);
    expect(error).toMatchObject({ reason: 'timeout', command: GROUP_INFO, message: expect.stringContaining('100 ms') });
    expect(api.callsMade).toBe(1);
  });

  it('a status other than 2xx without a body is a ChatApiRequestError "status" too', async () => {
    fake.injectFault({ httpStatus: 503 });
    await expect(groupInfo(client())).rejects.toMatchObject({ reason: 'status', status: 503 });
  });

  it('a status other than 2xx is a ChatApiRequestError "status" with the status', async () => {
    fake.injectFault({ httpStatus: 502, rawBody: '<html>Bad Gateway</html>' });
    await expect(groupInfo(client())).rejects.toMatchObject({
      name: 'ChatApiRequestError',
      reason: 'status',
      status: 502,
    });
  });

  it.each(['<html></html>', '{}', '[]', 'null', '{"ActionStatus":1}'])(
    'the body %s is a ChatApiRequestError "body"',
    async (rawBody) => {
      fake.injectFault({ rawBody });
      await expect(groupInfo(client())).rejects.toMatchObject({ reason: 'body', status: 200 });
    },
  );

  it('an answer larger than maxResponseBytes is a ChatApiRequestError "body", declared or streamed', async () => {
    fake.injectFault({ rawBody: JSON.stringify({ ActionStatus: 'OK', Padding: 'x'.repeat(4000) }) });
    await expect(groupInfo(client({ maxResponseBytes: 2048 }))).rejects.toMatchObject({
      name: 'ChatApiRequestError',
      reason: 'body',
      message: `${GROUP_INFO}: the answer is larger than maxResponseBytes (2048 bytes)`,
    });
    // Chunked, without a Content-Length: the client stops reading once past the bound.
    let written = 0;
    const endless = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => {
        written += 1000;
        res.write('x'.repeat(1000));
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = endless.address() as AddressInfo;
      const api = createChatApiClient({
        sdkAppId: SDK_APP_ID,
        secretKey: SECRET_KEY,
        baseUrl: `http://127.0.0.1:${port}`,
        maxResponseBytes: 64 * 1024,
      });
      await expect(groupInfo(api)).rejects.toMatchObject({ reason: 'body', status: 200 });
      expect(written).toBeLessThan(10 * 64 * 1024);
    } finally {
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
  });

  it('a refused connection is a ChatApiRequestError "network" with the cause', async () => {
    const closed = fake.baseUrl;
    await fake.close();
    const api = createChatApiClient({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, baseUrl: closed });
    const error = (await rejection(api.call(GROUP_INFO, {}))) as ChatApiRequestError;
    expect(error).toMatchObject({ reason: 'network', status: undefined });
    // fetch's own error, from outside Jest's realm (so not instanceof this realm's Error).
    expect(error.cause).toHaveProperty('message', 'fetch failed');
    fake = await startFakeChatServer({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY });
  });
});

describe('UserSig renewal', () => {
  // Only Date is faked: both the client and the fake read Tencent's clock from it; timers stay real.
  function fakeDate(at: number) {
    jest.useFakeTimers({
      now: at,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
  }

  it('signs again at 90 % of the lifetime, before the server would find it expired', async () => {
    const start = 1_800_000_000_000;
    fakeDate(start);
    const api = client({ userSigExpireSeconds: 3600 });

    await groupInfo(api);
    jest.setSystemTime(start + 3000_000); // 83 %: the same UserSig
    await groupInfo(api);
    jest.setSystemTime(start + 3300_000); // 92 %: a new one
    await groupInfo(api);
    jest.setSystemTime(start + 3300_000 + 3500_000); // the first would be long expired
    await groupInfo(api);

    expect(fake.calls.map((c) => [c.userSigTime, c.errorCode])).toEqual([
      [start / 1000, 0],
      [start / 1000, 0],
      [start / 1000 + 3300, 0],
      [start / 1000 + 3300 + 3500, 0],
    ]);
  });
});

describe('entries', () => {
  function loadsSigner(entry: string): boolean {
    let loaded = false;
    jest.isolateModules(() => {
      jest.doMock('tls-sig-api-v2/TLSSigAPIv2.js', () => {
        loaded = true;
        return jest.requireActual('tls-sig-api-v2/TLSSigAPIv2.js');
      });
      require(entry);
    });
    return loaded;
  }

  it('only the reconcile entry loads tls-sig-api-v2', () => {
    expect(loadsSigner('../../lib/entries/index')).toBe(false);
    expect(loadsSigner('../../lib/entries/node')).toBe(false);
    expect(loadsSigner('../../lib/entries/fetch')).toBe(false);
    expect(loadsSigner('../../lib/entries/testing')).toBe(false);
    expect(loadsSigner('../../lib/entries/reconcile')).toBe(true);
  });
});
