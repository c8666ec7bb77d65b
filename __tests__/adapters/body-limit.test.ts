/**
 * `limit` holds whoever read the body, and only the callback's own path is taken: behind a parser
 * with a larger limit, a chunked or compressed recall over `limit` is answered 413 FAIL (Express 5
 * and 4, Fastify; Koa in koa.test.ts), and a recall posted below the path is not taken.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express5 from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { recallWebhook, type RecallEvent } from '../../lib/entries';
import { recallWebhook as fastifyPlugin } from '../../lib/entries/fastify';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { send } from '../hardening/http';

const SDK_APP_ID = 1400000000;
const SEARCH = new URLSearchParams(createCallbackQuery(SDK_APP_ID)).toString();
const JSON_TYPE = { 'content-type': 'application/json' };
/** A recall of about `kilobytes` KB, padded in a field Tencent may add. */
const recallOf = (kilobytes: number) => JSON.stringify(createRecallEvent({ Padding: 'x'.repeat(kilobytes * 1024) }));
const TOO_LARGE = 'request body is larger than the limit';

interface Running {
  port: number;
  close(): Promise<void>;
}

async function listening(server: Server): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each([
  ['Express 5', express5 as unknown as typeof express5],
  ['Express 4', express4 as unknown as typeof express5],
])('%s behind express.json({ limit: "1mb" })', (_major, express) => {
  const recalls: RecallEvent[] = [];
  let running: Running;
  beforeAll(async () => {
    const app = express();
    app.use(express.json({ limit: '1mb' }));
    app.use(
      '/cb',
      recallWebhook({ sdkAppId: SDK_APP_ID, limit: '100kb', onRecall: (event) => void recalls.push(event) }),
    );
    const router = express.Router();
    router.post('/cb', recallWebhook({ sdkAppId: SDK_APP_ID, onRecall: (event) => void recalls.push(event) }));
    app.use('/api', router);
    // A router whose middleware is mounted without a path, the router itself under a prefix.
    const hooks = express.Router();
    hooks.use(recallWebhook({ sdkAppId: SDK_APP_ID, onRecall: (event) => void recalls.push(event) }));
    app.use('/hooks', hooks);
    app.use((_req, res) => void res.status(404).json({ passedOn: true }));
    running = await listening(createServer(app));
  });
  afterAll(() => running.close());
  beforeEach(() => (recalls.length = 0));

  it('answers a chunked recall over the limit 413, the parser having read it', async () => {
    const reply = await send(running.port, `/cb?${SEARCH}`, { body: recallOf(200), chunks: 4, headers: JSON_TYPE });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.text)).toMatchObject({ ActionStatus: 'FAIL', ErrorInfo: TOO_LARGE });
    expect(recalls).toHaveLength(0);
  });

  it('answers a gzip recall that inflates over the limit 413, whatever its Content-Length', async () => {
    const gzipped = gzipSync(recallOf(200));
    expect(gzipped.byteLength).toBeLessThan(100 * 1024);
    const reply = await send(running.port, `/cb?${SEARCH}`, {
      body: gzipped,
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
    });
    expect(reply.status).toBe(413);
    expect(recalls).toHaveLength(0);
  });

  it('takes a chunked recall within the limit', async () => {
    const reply = await send(running.port, `/cb?${SEARCH}`, { body: recallOf(50), chunks: 4, headers: JSON_TYPE });
    expect(reply.status).toBe(200);
    expect(recalls).toHaveLength(1);
  });

  it('takes a recall at a path inside a prefix-mounted router whose middleware has no path of its own', async () => {
    const reply = await send(running.port, `/hooks/tencent?${SEARCH}`, { body: recallOf(1), headers: JSON_TYPE });
    expect(reply.status).toBe(200);
    expect(recalls).toHaveLength(1);
  });

  it("takes a recall on a route (app.post, a mounted router's route), which Express matches exactly", async () => {
    expect((await send(running.port, `/api/cb?${SEARCH}`, { body: recallOf(1), headers: JSON_TYPE })).status).toBe(200);
    expect((await send(running.port, `/api/cb/sub?${SEARCH}`, { body: recallOf(1), headers: JSON_TYPE })).status).toBe(
      404,
    );
    expect(recalls).toHaveLength(1);
  });
});

describe('Fastify', () => {
  const recalls: RecallEvent[] = [];
  const app = Fastify();
  let port: number;
  beforeAll(async () => {
    await app.register(fastifyPlugin, {
      path: '/cb',
      sdkAppId: SDK_APP_ID,
      limit: '100kb',
      onRecall: (event) => void recalls.push(event),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());
  beforeEach(() => (recalls.length = 0));

  it('answers a chunked recall over the limit 413, and a gzip one 415 (it reads the body itself)', async () => {
    const chunked = await send(port, `/cb?${SEARCH}`, { body: recallOf(200), chunks: 4, headers: JSON_TYPE });
    expect(chunked.status).toBe(413);
    const gzipped = await send(port, `/cb?${SEARCH}`, {
      body: gzipSync(recallOf(200)),
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
    });
    expect(gzipped.status).toBe(415);
    expect(recalls).toHaveLength(0);
  });

  it('does not take a recall posted below its path', async () => {
    const reply = await send(port, `/cb/sub?${SEARCH}`, { body: recallOf(1), headers: JSON_TYPE });
    expect(reply.status).toBe(404);
    expect(recalls).toHaveLength(0);
    expect((await send(port, `/cb?${SEARCH}`, { body: recallOf(1), headers: JSON_TYPE })).status).toBe(200);
  });
});
