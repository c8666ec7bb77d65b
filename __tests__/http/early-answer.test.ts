/**
 * Answers given before the body was read (401, 403, 415) end the connection, so an unauthenticated
 * sender cannot hold a socket or push a body past `limit`; answers to a fully read body keep it alive.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express, { type Request as ExpressRequest, type Response as ExpressResponse } from 'express';
import { createRecallHandler, recallWebhook, type RecallWebhookOptions } from '../../lib/entries';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { OTHER_APP_ID, SDK_APP_ID, TOKEN } from '../cases';
import { flood, postHead, postRequest, RawClient, trickle } from '../support/raw-client';

const pathFor = (sdkAppId: number, token?: string) =>
  `/callback?${new URLSearchParams(createCallbackQuery(sdkAppId, { token }))}`;
const signed = () => pathFor(SDK_APP_ID, TOKEN);
const recallBody = () => JSON.stringify(createRecallEvent());

const options: RecallWebhookOptions<ExpressRequest> = { sdkAppId: SDK_APP_ID, token: TOKEN, onRecall: () => {} };

interface Served {
  port: number;
  /** The server's side of every connection it accepted. */
  sockets: Socket[];
  close(): Promise<void>;
}

async function serve(listener: http.RequestListener): Promise<Served> {
  const server = http.createServer(listener);
  const sockets: Socket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const mounts: Array<[string, () => http.RequestListener]> = [
  [
    'an Express app',
    () => {
      const app = express();
      app.use('/callback', recallWebhook(options));
      return app;
    },
  ],
  [
    'a plain node:http server',
    () => {
      const middleware = recallWebhook(options);
      return (req, res) =>
        middleware(req as ExpressRequest, res as ExpressResponse, () => {
          res.statusCode = 404;
          res.end();
        });
    },
  ],
];

describe.each(mounts)('recallWebhook in %s', (_, listener) => {
  let served: Served;
  beforeAll(async () => (served = await serve(listener())));
  afterAll(() => served.close());

  const BODY_BYTES = 64;

  test.each([
    ['401 without a Sign', () => pathFor(SDK_APP_ID), {}, 401],
    ['403 for another app', () => pathFor(OTHER_APP_ID, TOKEN), {}, 403],
    ['415 for a compressed body', signed, { 'Content-Encoding': 'gzip' }, 415],
  ])('%s: closes the connection while the body is still trickling in', async (_name, path, headers, status) => {
    const client = await RawClient.connect(served.port);
    client.write(postHead(path(), { 'Content-Type': 'application/json', 'Content-Length': BODY_BYTES, ...headers }));
    // One byte short of the body, so only the server can end this exchange before the client gives up.
    const trickled = trickle(client, BODY_BYTES - 1, 20);
    const answer = await client.nextAnswer();
    expect(answer?.status).toBe(status);
    expect(answer?.headers.connection).toBe('close');
    expect(JSON.parse(answer!.body)).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 1 });
    const written = await trickled;
    if (!client.closedByServer) await client.end();
    expect(client.closedByServer).toBe(true);
    expect(written).toBeLessThan(BODY_BYTES - 1);
  });

  test('a large body after a 401 is not read to the end', async () => {
    const total = 20 * 1024 * 1024;
    const client = await RawClient.connect(served.port);
    client.write(postHead(pathFor(SDK_APP_ID), { 'Content-Type': 'application/json', 'Content-Length': total }));
    const written = await flood(client, total);
    if (!client.closedByServer) await client.end();
    await client.closed;
    const serverSide = served.sockets.at(-1)!;
    if (!serverSide.destroyed) await new Promise((resolve) => serverSide.once('close', resolve));
    expect(client.closedByServer).toBe(true);
    expect(written).toBeLessThan(total);
    expect(serverSide.bytesRead).toBeLessThan(total);
  });

  test('answers to a fully read body (200, 400) keep the connection for the next request', async () => {
    const client = await RawClient.connect(served.port);
    const bodies = [recallBody(), '{"not":"a recall"}', '{', recallBody()];
    const statuses: number[] = [];
    for (const body of bodies) {
      client.write(postRequest(signed(), body));
      const answer = await client.nextAnswer();
      expect(answer?.headers.connection).toBe('keep-alive');
      statuses.push(answer!.status);
    }
    expect(statuses).toEqual([200, 400, 400, 200]);
    expect(client.closedByServer).toBe(false);
    await client.end();
  });
});

describe('recallWebhook after a body parser', () => {
  let served: Served;
  beforeAll(async () => {
    const app = express();
    app.use(express.json());
    app.use('/callback', recallWebhook(options));
    served = await serve(app);
  });
  afterAll(() => served.close());

  test('a 401 to a body the parser already read keeps the connection: nothing is left unread', async () => {
    const client = await RawClient.connect(served.port);
    client.write(postRequest(pathFor(SDK_APP_ID), recallBody()));
    const refused = await client.nextAnswer();
    expect(refused?.status).toBe(401);
    expect(refused?.headers.connection).toBe('keep-alive');
    client.write(postRequest(signed(), recallBody()));
    expect((await client.nextAnswer())?.status).toBe(200);
    expect(client.closedByServer).toBe(false);
    await client.end();
  });

  test('a 401 while a body the parser does not take is still arriving closes the connection', async () => {
    const client = await RawClient.connect(served.port);
    // express.json() skips a body that is not declared JSON, so the middleware answers before it arrives.
    client.write(postHead(pathFor(SDK_APP_ID), { 'Content-Type': 'text/plain', 'Content-Length': 64 }));
    const trickled = trickle(client, 63, 20);
    expect((await client.nextAnswer())?.status).toBe(401);
    await trickled;
    if (!client.closedByServer) await client.end();
    expect(client.closedByServer).toBe(true);
  });
});

describe('createRecallHandler', () => {
  /** An endless body that records whether it was cancelled and how often it was read. */
  function endlessBody() {
    const state = { pulls: 0, cancelled: false };
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          state.pulls++;
          controller.enqueue(new Uint8Array(16).fill(0x78));
        },
        cancel() {
          state.cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    return { stream, state };
  }

  const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, token: TOKEN, onRecall: () => {} });
  const post = (path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    handler(
      new Request(`http://127.0.0.1${path}`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', ...headers },
        duplex: 'half',
      } as RequestInit),
    );

  test.each([
    ['401 without a Sign', () => pathFor(SDK_APP_ID), {}, 401],
    ['403 for another app', () => pathFor(OTHER_APP_ID, TOKEN), {}, 403],
    ['415 for a compressed body', signed, { 'Content-Encoding': 'gzip' }, 415],
    ['413 for a declared length over the limit', signed, { 'Content-Length': String(1024 * 1024) }, 413],
  ])('%s: cancels the body it did not read', async (_name, path, headers, status) => {
    const { stream, state } = endlessBody();
    const response = await post(path(), stream, headers);
    expect(response?.status).toBe(status);
    expect(state.cancelled).toBe(true);
    expect(state.pulls).toBe(0);
  });

  test('answers all the same when cancelling the body fails', async () => {
    const stream = new ReadableStream<Uint8Array>({
      cancel() {
        throw new Error('the runtime refused to cancel');
      },
    });
    const response = await post(pathFor(SDK_APP_ID), stream);
    expect(response?.status).toBe(401);
    await new Promise((resolve) => setImmediate(resolve));
  });

  test('leaves a body it read alone', async () => {
    const bytes = new TextEncoder().encode(recallBody());
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const response = await post(signed(), stream);
    expect(response?.status).toBe(200);
  });
});
