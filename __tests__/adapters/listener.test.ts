/**
 * The behaviour table through the node:http listener: a plain `http.createServer` on 127.0.0.1,
 * no Express, for every Content-Type Tencent might send; then what only a plain server has to
 * decide: the answer to a request the listener does not claim.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import getRawBody from 'raw-body';
import { createRecallListener } from '../../lib/entries';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { cases, SDK_APP_ID, query, queryString, type Case } from '../cases';
import { checkAnswer, recorder } from '../harness';

const PATH = '/tencent-chat/callback';
const CONTENT_TYPES: Array<string | undefined> = ['application/json', undefined, 'text/plain'];

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

function send(
  port: number,
  path: string,
  { method = 'POST', body, headers = {} }: { method?: string; body?: string; headers?: Record<string, string> },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      getRawBody(res, { encoding: 'utf8' }).then(
        (text) => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }),
        reject,
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Whatever the listener passes on reaches this, as the next handler of a plain server would. */
async function passedOn(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  const unread = req.readable && !req.readableEnded;
  const received = (await getRawBody(req)).toString('utf8');
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ passedOn: true, unread, received }));
}

describe.each(CONTENT_TYPES.map((ct) => [ct ?? 'no Content-Type', ct] as const))(
  'node:http listener, Content-Type %s',
  (_label, contentType) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase: Case) => {
      const rec = recorder<IncomingMessage>(testCase);
      const listener = createRecallListener(rec.options);
      const server = createServer((req, res) => listener(req, res, () => void passedOn(req, res)));
      const port = await listen(server);
      try {
        const search = queryString(testCase.query);
        const headers: Record<string, string> = { ...testCase.headers };
        if (contentType !== undefined) headers['Content-Type'] = contentType;
        const started = Date.now();
        const reply = await send(port, search ? `${PATH}?${search}` : PATH, {
          method: testCase.method,
          body: testCase.body,
          headers,
        });
        const elapsedMs = Date.now() - started;
        if (testCase.expected.passThrough) {
          expect(reply.status).toBe(200);
          expect(JSON.parse(reply.text)).toEqual({
            passedOn: true,
            unread: true,
            received: testCase.body ?? '',
          });
          expect(rec.events).toHaveLength(0);
          return;
        }
        await checkAnswer(testCase, rec, {
          status: reply.status,
          contentType: reply.headers['content-type'] ?? null,
          wwwAuthenticate: reply.headers['www-authenticate'] ?? null,
          text: reply.text,
          elapsedMs,
        });
        if (testCase.expected.called) expect(rec.requests[0]).toHaveProperty('method', 'POST');
      } finally {
        await close(server);
      }
    });
  },
);

describe('node:http listener without a next handler', () => {
  const onRecall = jest.fn();
  const listener = createRecallListener({ sdkAppId: SDK_APP_ID, onRecall });
  const server = createServer(listener);
  let port: number;
  beforeAll(async () => {
    port = await listen(server);
  });
  afterAll(() => close(server));
  beforeEach(() => onRecall.mockClear());

  it('answers a POST of another callback command 404 FAIL, without reading its body, and closes the connection', async () => {
    const search = queryString(query({ CallbackCommand: 'Group.CallbackAfterSendMsg' }));
    const reply = await send(port, `${PATH}?${search}`, { body: JSON.stringify({ GroupId: 'g1' }) });
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers.connection).toBe('close');
    expect(JSON.parse(reply.text)).toEqual({
      ActionStatus: 'FAIL',
      ErrorInfo: 'not a recall callback',
      ErrorCode: 1,
    });
    expect(onRecall).not.toHaveBeenCalled();
  });

  it('answers a GET 404 FAIL and, with no body left unread, keeps the connection alive', async () => {
    const reply = await send(port, `${PATH}?${queryString(query())}`, { method: 'GET' });
    expect(reply.status).toBe(404);
    expect(reply.headers.connection).toBe('keep-alive');
    expect(JSON.parse(reply.text).ActionStatus).toBe('FAIL');
    expect(onRecall).not.toHaveBeenCalled();
  });

  it('still handles the recall itself, keeping the connection alive', async () => {
    const search = new URLSearchParams(createCallbackQuery(SDK_APP_ID));
    const reply = await send(port, `${PATH}?${search}`, { body: JSON.stringify(createRecallEvent()) });
    expect(reply.status).toBe(200);
    expect(reply.headers.connection).toBe('keep-alive');
    expect(JSON.parse(reply.text)).toEqual({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(onRecall.mock.calls[0][1]).toHaveProperty('url', `${PATH}?${search}`);
  });
});
