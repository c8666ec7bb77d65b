/**
 * The behaviour table through the Express middleware: supertest against a real Express app
 * (Express 5 and Express 4) listening on 127.0.0.1, for every body state an earlier body parser can leave and every
 * Content-Type Tencent might send.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express5, { type Express, type Request } from 'express';
import express4 from 'express4';
import getRawBody from 'raw-body';
import request from 'supertest';
import { recallWebhook } from '../../lib/entries';
import { cases, expectedErrorInfo, rejectedByJsonParser, type Case, type Mount } from '../cases';
import { checkAnswer, recorder, type Recorder } from '../harness';

const PATH = '/tencent-chat/callback';
const MOUNTS: Mount[] = ['none', 'json', 'raw', 'text'];
const CONTENT_TYPES: Array<string | undefined> = ['application/json', undefined, 'text/plain'];

function buildApp(express: typeof express5, mount: Mount, rec: Recorder<Request>): Express {
  const app = express();
  if (mount === 'json') app.use(express.json());
  if (mount === 'raw') app.use(express.raw({ type: '*/*' }));
  if (mount === 'text') app.use(express.text({ type: '*/*' }));
  app.use(PATH, recallWebhook(rec.options));
  // Another callback handler at the same URL: it must get every request the middleware passes on.
  app.all(PATH, async (req, res) => {
    let how: string;
    let received: string;
    if (req.readable && !req.readableEnded) {
      how = 'stream';
      received = (await getRawBody(req)).toString('utf8');
    } else if (Buffer.isBuffer(req.body)) {
      how = 'buffer';
      received = req.body.toString('utf8');
    } else if (typeof req.body === 'string') {
      how = 'string';
      received = req.body;
    } else if (req.body === undefined) {
      how = 'none';
      received = '';
    } else {
      how = 'parsed';
      received = JSON.stringify(req.body);
    }
    res.status(200).json({ passedOn: true, how, received });
  });
  return app;
}

async function listen(app: Express): Promise<Server> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
  return server;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function send(server: Server, testCase: Case, contentType: string | undefined) {
  const method = (testCase.method ?? 'POST').toLowerCase() as 'post' | 'get' | 'put';
  const search = new URLSearchParams(testCase.query).toString();
  let req = request(server)[method](search ? `${PATH}?${search}` : PATH);
  if (contentType !== undefined) req = req.set('Content-Type', contentType);
  for (const [name, value] of Object.entries(testCase.headers ?? {})) req = req.set(name, value);
  const started = Date.now();
  // superagent sends a string as-is once a Content-Type is set; a Buffer leaves the header out.
  const payload =
    contentType === undefined && testCase.body !== undefined ? Buffer.from(testCase.body, 'utf8') : testCase.body;
  const res = payload === undefined ? await req : await req.send(payload);
  return { res, elapsedMs: Date.now() - started };
}

// Express 4's types differ from 5's; at run time both take the same calls here.
const MAJORS = [
  ['Express 5', express5],
  ['Express 4', express4 as unknown as typeof express5],
] as const;

describe.each(MAJORS)('%s', (_major, express) => {
  describe.each(MOUNTS)('Express middleware, body parser before it: %s', (mount) => {
    describe.each(CONTENT_TYPES.map((ct) => [ct ?? 'no Content-Type', ct] as const))(
      'Content-Type %s',
      (_label, contentType) => {
        it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
          const rec = recorder<Request>(testCase);
          const server = await listen(buildApp(express, mount, rec));
          try {
            const { res, elapsedMs } = await send(server, testCase, contentType);
            const parsedByJson = mount === 'json' && contentType === 'application/json';
            if (rejectedByJsonParser(testCase, mount, contentType)) {
              // express.json() answers this itself (its own error), before the middleware runs.
              expect(res.status).toBe(400);
              expect(rec.events).toHaveLength(0);
              return;
            }
            if (testCase.expected.passThrough) {
              expect(res.status).toBe(200);
              expect(res.body.passedOn).toBe(true);
              const sent = testCase.body ?? '';
              if (res.body.how === 'parsed') expect(JSON.parse(res.body.received)).toEqual(JSON.parse(sent));
              else expect(res.body.received).toBe(sent);
              // With no parser in front, the stream itself is still unread for the next handler.
              if (mount === 'none' && testCase.body !== undefined) expect(res.body.how).toBe('stream');
              expect(rec.events).toHaveLength(0);
              return;
            }
            expect(res.body.passedOn).toBeUndefined();
            await checkAnswer(
              testCase,
              rec,
              {
                status: res.status,
                contentType: res.headers['content-type'] ?? null,
                wwwAuthenticate: res.headers['www-authenticate'] ?? null,
                text: res.text,
                elapsedMs,
              },
              expectedErrorInfo(testCase, parsedByJson),
            );
            if (testCase.expected.called) expect(rec.requests[0]).toHaveProperty('method', 'POST');
          } finally {
            await close(server);
          }
        });
      },
    );
  });
});
