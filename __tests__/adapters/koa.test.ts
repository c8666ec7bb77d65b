/**
 * The Koa middleware under Koa 3 and Koa 2 (the `koa2` npm alias), over real HTTP on 127.0.0.1:
 * the behaviour table mounted bare and behind each body parser Koa apps use (`@koa/bodyparser`,
 * `koa-body`, with and without the text they keep), then `@koa/router` and what only Koa shows.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import Koa3, { type Context, type Middleware } from 'koa';
import Router from '@koa/router';
import getRawBody from 'raw-body';
import { recallWebhook } from '../../lib/entries/koa';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { send } from '../hardening/http';
import { SDK_APP_ID, query, queryString } from '../cases';
import { describeTable, passedOnAnswer, PATH, type ParserInFront, type TableServer } from './table';

type Koa = typeof Koa3;
// Koa 2 has no types of its own (the `koa2` alias has no @types): at run time it takes the same calls here.
const MAJORS: Array<[string, Koa]> = [
  ['Koa 3', Koa3],
  ['Koa 2', jest.requireActual<{ default: Koa }>('koa2').default ?? jest.requireActual<Koa>('koa2')],
];

// The body parsers are loaded without their types: these declare `body` on every
// http.IncomingMessage, which would retype Express's req.body in this project's other files.
const { bodyParser } = jest.requireActual<{
  bodyParser: (options?: { enableTypes?: string[] }) => Middleware;
}>('@koa/bodyparser');
const { koaBody } = jest.requireActual<{ koaBody: (options?: { includeUnparsed?: boolean }) => Middleware }>(
  'koa-body',
);

/** Each body parser, and how it behaves for the table. */
const PARSERS: Array<[string, () => Middleware | undefined, ParserInFront]> = [
  ['bare', () => undefined, { mount: 'none', keepsText: false }],
  ['@koa/bodyparser()', () => bodyParser(), { mount: 'json', keepsText: true }],
  [
    "@koa/bodyparser({ enableTypes: ['json', 'text'] })",
    () => bodyParser({ enableTypes: ['json', 'text'] }),
    { mount: 'json', keepsText: true },
  ],
  ['koaBody()', () => koaBody(), { mount: 'json', keepsText: false }],
  ['koaBody({ includeUnparsed: true })', () => koaBody({ includeUnparsed: true }), { mount: 'json', keepsText: true }],
];

/** The app's next handler: the body as the stream, the kept text or the parsed value. */
async function nextHandler(ctx: Context): Promise<void> {
  const request = ctx.request as Context['request'] & { rawBody?: string; body?: unknown };
  const unread = ctx.req.readable && !ctx.req.readableEnded;
  const body = unread ? await getRawBody(ctx.req, { encoding: 'utf8' }) : (request.rawBody ?? request.body);
  ctx.body = passedOnAnswer(body);
}

async function listen(app: Koa3): Promise<TableServer> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each(MAJORS)('%s', (_major, Koa) => {
  describe.each(PARSERS)('body parser before it: %s', (_parser, parser, inFront) => {
    describeTable<Context>(
      'Koa middleware',
      async (rec) => {
        const app = new Koa();
        const before = parser();
        if (before) app.use(before);
        app.use(recallWebhook(rec.options));
        app.use(nextHandler);
        return listen(app);
      },
      inFront,
    );
  });

  describe('in an app', () => {
    const onRecall = jest.fn();
    let server: TableServer;

    beforeAll(async () => {
      const app = new Koa();
      const router = new Router();
      router.post(PATH, recallWebhook({ sdkAppId: SDK_APP_ID, onRecall, limit: 1024 }), async (ctx) => {
        ctx.body = { handledBy: 'other-commands route', command: ctx.query.CallbackCommand };
      });
      router.post('/orders', bodyParser(), async (ctx) => {
        ctx.body = { parsed: (ctx.request as { body?: unknown }).body };
      });
      app.use(router.routes());
      server = await listen(app);
    });
    afterAll(() => server.close());
    beforeEach(() => onRecall.mockClear());

    it('answers a recall on a @koa/router route, handing onRecall the Koa context', async () => {
      const search = new URLSearchParams(createCallbackQuery(SDK_APP_ID));
      const reply = await send(server.port, `${PATH}?${search}`, {
        body: JSON.stringify(createRecallEvent({ GroupId: 'g-koa' })),
        headers: { 'x-trace': 'abc' },
      });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(reply.headers.connection).toBe('close');
      expect(JSON.parse(reply.text)).toEqual({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
      const ctx = onRecall.mock.calls[0][1] as Context;
      expect(onRecall.mock.calls[0][0].groupId).toBe('g-koa');
      expect(ctx.get('x-trace')).toBe('abc');
      expect(typeof ctx.throw).toBe('function');
    });

    it("passes another command on to the route's next handler", async () => {
      const search = queryString(query({ CallbackCommand: 'Group.CallbackAfterSendMsg' }));
      const reply = await send(server.port, `${PATH}?${search}`, { body: JSON.stringify({ GroupId: 'g1' }) });
      expect(JSON.parse(reply.text)).toEqual({
        handledBy: 'other-commands route',
        command: 'Group.CallbackAfterSendMsg',
      });
      expect(onRecall).not.toHaveBeenCalled();
    });

    it('answers 413 FAIL over the limit and closes the connection, the rest of the body unread', async () => {
      const search = new URLSearchParams(createCallbackQuery(SDK_APP_ID));
      const reply = await send(server.port, `${PATH}?${search}`, {
        body: JSON.stringify(createRecallEvent({ Padding: 'x'.repeat(2000) })),
      });
      expect(reply.status).toBe(413);
      expect(reply.headers.connection).toBe('close');
      expect(JSON.parse(reply.text)).toEqual({
        ActionStatus: 'FAIL',
        ErrorInfo: 'request body is larger than the limit',
        ErrorCode: 1,
      });
    });

    it('does not take a recall posted below its route', async () => {
      const search = new URLSearchParams(createCallbackQuery(SDK_APP_ID));
      const reply = await send(server.port, `${PATH}/sub?${search}`, { body: JSON.stringify(createRecallEvent()) });
      expect(reply.status).toBe(404);
      expect(onRecall).not.toHaveBeenCalled();
    });

    it('leaves the routes after it to their own parsers', async () => {
      const reply = await send(server.port, '/orders', {
        body: JSON.stringify({ id: 7 }),
        headers: { 'content-type': 'application/json' },
      });
      expect(JSON.parse(reply.text)).toEqual({ parsed: { id: 7 } });
    });
  });
});

describe.each(MAJORS)('%s behind koaBody() with its defaults (a 1 MB JSON limit)', (_major, Koa) => {
  const onRecall = jest.fn();
  let server: TableServer;
  const search = new URLSearchParams(createCallbackQuery(SDK_APP_ID)).toString();
  const recallOf = (kilobytes: number) => JSON.stringify(createRecallEvent({ Padding: 'x'.repeat(kilobytes * 1024) }));
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    const app = new Koa();
    app.use(koaBody());
    app.use(recallWebhook({ sdkAppId: SDK_APP_ID, onRecall, limit: '100kb' }));
    app.use(nextHandler);
    server = await listen(app);
  });
  afterAll(() => server.close());
  beforeEach(() => onRecall.mockClear());

  it('answers a chunked recall of 200 KB 413 FAIL with limit 100kb, koa-body having read it', async () => {
    const reply = await send(server.port, `${PATH}?${search}`, { body: recallOf(200), chunks: 4, headers: json });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.text)).toEqual({
      ActionStatus: 'FAIL',
      ErrorInfo: 'request body is larger than the limit',
      ErrorCode: 1,
    });
    expect(onRecall).not.toHaveBeenCalled();
  });

  it('answers a gzip recall that inflates past the limit 413 FAIL, whatever its Content-Length', async () => {
    const reply = await send(server.port, `${PATH}?${search}`, {
      body: gzipSync(recallOf(200)),
      headers: { ...json, 'content-encoding': 'gzip' },
    });
    expect(reply.status).toBe(413);
    expect(onRecall).not.toHaveBeenCalled();
  });

  it('takes a chunked recall within the limit', async () => {
    const reply = await send(server.port, `${PATH}?${search}`, { body: recallOf(50), chunks: 4, headers: json });
    expect(reply.status).toBe(200);
    expect(onRecall).toHaveBeenCalledTimes(1);
  });
});
