/**
 * The Fastify plugin under Fastify 5 and Fastify 4 (the `fastify4` npm alias), over real HTTP on
 * 127.0.0.1: the behaviour table with the app's own content-type parsers in place and with none,
 * then what only a Fastify plugin has to show: its parser stays encapsulated, other commands go
 * to `onOtherCommand`, `prefix` and the plugin's name.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import fastify5, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import fastify4 from 'fastify4';
import { recallWebhook, type RecallWebhookPluginOptions } from '../../lib/entries/fastify';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { send } from '../hardening/http';
import { SDK_APP_ID, query, queryString } from '../cases';
import { describeTable, passedOnAnswer, PATH, type TableServer } from './table';

type Fastify = typeof fastify5;
// Fastify 4's types differ from 5's; at run time both take the same calls here.
const MAJORS: Array<[string, Fastify]> = [
  ['Fastify 5', fastify5],
  ['Fastify 4', fastify4 as unknown as Fastify],
];

type Parsers = "the app's default parsers" | 'no parsers in the app';
const PARSERS: Parsers[] = ["the app's default parsers", 'no parsers in the app'];

async function listen(app: FastifyInstance): Promise<TableServer> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
  expect(address.address).toBe('127.0.0.1');
  return { port: address.port, close: () => app.close() };
}

/** GET and PUT at the callback URL are the app's own: they report the body as text. */
async function appRoutesAtTheCallbackUrl(app: FastifyInstance): Promise<void> {
  await app.register(async (own) => {
    own.removeAllContentTypeParsers();
    own.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    own.route({ method: ['GET', 'PUT'], url: PATH, handler: async (request) => passedOnAnswer(request.body) });
  });
}

describe.each(MAJORS)('%s', (_major, fastify) => {
  describe.each(PARSERS)('%s', (parsers) => {
    describeTable<FastifyRequest>('Fastify plugin', async (rec) => {
      const app = fastify();
      if (parsers === 'no parsers in the app') app.removeAllContentTypeParsers();
      await app.register(recallWebhook, {
        ...rec.options,
        path: PATH,
        onOtherCommand: async (request) => passedOnAnswer(request.body),
      });
      await appRoutesAtTheCallbackUrl(app);
      return listen(app);
    });
  });

  describe('in an app', () => {
    let app: FastifyInstance;
    let server: TableServer;
    const onRecall = jest.fn();
    const onOtherCommand = jest.fn(async (request: FastifyRequest) => ({ other: request.body }));

    beforeAll(async () => {
      app = fastify();
      app.post('/orders', async (request) => ({ parsed: request.body }));
      await app.register(recallWebhook, { path: PATH, sdkAppId: SDK_APP_ID, onRecall, onOtherCommand, limit: 1024 });
      await app.register(recallWebhook, { prefix: '/hooks', path: '/plain', sdkAppId: SDK_APP_ID, onRecall });
      server = await listen(app);
    });
    afterAll(() => server.close());
    beforeEach(() => {
      onRecall.mockClear();
      onOtherCommand.mockClear();
    });

    const recall = (path: string, body = JSON.stringify(createRecallEvent()), headers = {}) =>
      send(server.port, `${path}?${new URLSearchParams(createCallbackQuery(SDK_APP_ID))}`, { body, headers });

    it("leaves the app's parsers and other routes as they were: JSON still parsed on another path", async () => {
      expect(app.hasContentTypeParser('application/json')).toBe(true);
      const reply = await send(server.port, '/orders', {
        body: JSON.stringify({ id: 7 }),
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toEqual({ parsed: { id: 7 } });
      // The app still refuses what it has no parser for: the plugin's catch-all did not leak.
      const unknownType = await send(server.port, '/orders', { body: 'x', headers: { 'content-type': 'text/csv' } });
      expect(unknownType.status).toBe(415);
    });

    it('answers a recall with the Fastify request in the handler', async () => {
      const reply = await recall(PATH, undefined, { 'content-type': 'application/json', 'x-trace': 'abc' });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toEqual({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
      const request = onRecall.mock.calls[0][1] as FastifyRequest;
      expect(request.headers['x-trace']).toBe('abc');
      expect(request.body).toBeUndefined();
      expect(onOtherCommand).not.toHaveBeenCalled();
    });

    it('takes a recall whatever its Content-Type header, even one Fastify could not parse', async () => {
      const reply = await recall(PATH, undefined, { 'content-type': 'not a media type' });
      expect(reply.status).toBe(200);
      expect(onRecall).toHaveBeenCalledTimes(1);
    });

    it('hands another command to onOtherCommand with its JSON parsed, whatever the Content-Type', async () => {
      const body = { CallbackCommand: 'Group.CallbackAfterSendMsg', GroupId: 'g1' };
      const search = queryString(query({ CallbackCommand: 'Group.CallbackAfterSendMsg' }));
      const reply = await send(server.port, `${PATH}?${search}`, {
        body: JSON.stringify(body),
        headers: { 'content-type': 'text/plain' },
      });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toEqual({ other: body });
      expect(onRecall).not.toHaveBeenCalled();
    });

    it.each([
      ['over the limit', JSON.stringify({ Padding: 'x'.repeat(2000) }), 413],
      ['not JSON', '{"CallbackCommand": ', 400],
    ])('answers another command whose body is %s FAIL, before onOtherCommand', async (_what, body, status) => {
      const search = queryString(query({ CallbackCommand: 'Group.CallbackAfterSendMsg' }));
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        const reply = await send(server.port, `${PATH}?${search}`, { body });
        expect(reply.status).toBe(status);
        expect(JSON.parse(reply.text)).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 1 });
        expect(warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`${status} FAIL .* another command`)));
      } finally {
        warn.mockRestore();
      }
      expect(onOtherCommand).not.toHaveBeenCalled();
    });

    it('answers 413 FAIL to a recall over the limit and closes the connection', async () => {
      const reply = await recall(PATH, JSON.stringify(createRecallEvent({ Padding: 'x'.repeat(2000) })));
      expect(reply.status).toBe(413);
      expect(reply.headers.connection).toBe('close');
      expect(JSON.parse(reply.text)).toEqual({
        ActionStatus: 'FAIL',
        ErrorInfo: 'request body is larger than the limit',
        ErrorCode: 1,
      });
      expect(onRecall).not.toHaveBeenCalled();
    });

    it('serves the route under the prefix it is registered with', async () => {
      const reply = await recall('/hooks/plain');
      expect(reply.status).toBe(200);
      expect(onRecall).toHaveBeenCalledTimes(1);
    });

    it('answers another command 404 FAIL without onOtherCommand, leaving its body unread', async () => {
      const search = queryString(query({ CallbackCommand: 'Group.CallbackAfterSendMsg' }));
      const reply = await send(server.port, `/hooks/plain?${search}`, { body: JSON.stringify({ GroupId: 'g1' }) });
      expect(reply.status).toBe(404);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(reply.headers.connection).toBe('close');
      expect(JSON.parse(reply.text)).toEqual({
        ActionStatus: 'FAIL',
        ErrorInfo: 'not a recall callback',
        ErrorCode: 1,
      });
    });

    it('answers a POST of another command without a body 404 FAIL too', async () => {
      const search = queryString(query({ CallbackCommand: 'Group.CallbackAfterSendMsg' }));
      const reply = await send(server.port, `/hooks/plain?${search}`);
      expect(reply.status).toBe(404);
    });

    it("is named in Fastify's plugin tree", () => {
      expect(app.printPlugins()).toContain('tencent-chat-recall-webhook');
    });
  });

  describe('failures in the log', () => {
    const invalidRecall = (port: number) =>
      send(port, `${PATH}?${new URLSearchParams(createCallbackQuery(SDK_APP_ID))}`, { body: '{"GroupId": 5}' });

    async function appWith(logger: boolean | { stream: Writable }): Promise<TableServer> {
      const app = fastify({ logger: logger as FastifyServerOptions['logger'] });
      const onRecall = () => {
        throw new Error('archive down');
      };
      await app.register(recallWebhook, { path: PATH, sdkAppId: SDK_APP_ID, onRecall });
      return listen(app);
    }

    it("go to the app's logger when it has one, not to the console", async () => {
      const lines: Array<{ level: number; msg: string }> = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')));
          done();
        },
      });
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
      const server = await appWith({ stream });
      try {
        expect((await invalidRecall(server.port)).status).toBe(400);
        const failures = lines.filter((line) => /400 FAIL/.test(line.msg));
        expect(failures).toEqual([
          expect.objectContaining({ level: 40, msg: expect.stringContaining('invalid body') }),
        ]);
        const search = new URLSearchParams(createCallbackQuery(SDK_APP_ID));
        const failed = await send(server.port, `${PATH}?${search}`, { body: JSON.stringify(createRecallEvent()) });
        expect(failed.status).toBe(500);
        expect(lines.filter((line) => /500 FAIL/.test(line.msg))).toEqual([
          expect.objectContaining({ level: 50, msg: expect.stringContaining('the recall handler failed') }),
        ]);
        expect(warn).not.toHaveBeenCalled();
      } finally {
        warn.mockRestore();
        await server.close();
      }
    });

    it("go to the console when the app has no logger (Fastify's default)", async () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
      const server = await appWith(false);
      try {
        expect((await invalidRecall(server.port)).status).toBe(400);
        expect(warn).toHaveBeenCalledWith(expect.stringMatching(/400 FAIL \(invalid body/));
      } finally {
        warn.mockRestore();
        await server.close();
      }
    });
  });

  describe('options', () => {
    it.each([
      ['without path', { sdkAppId: SDK_APP_ID, onRecall: () => {} }, /"path" must be a string starting with "\/"/],
      ['with a relative path', { path: 'callback', sdkAppId: SDK_APP_ID, onRecall: () => {} }, /"path"/],
      [
        'with onOtherCommand not a function',
        { path: PATH, sdkAppId: SDK_APP_ID, onRecall: () => {}, onOtherCommand: 'yes' },
        /"onOtherCommand" must be a function/,
      ],
      ['with an unknown option', { path: PATH, sdkAppId: SDK_APP_ID, onRecall: () => {}, limt: 5 }, /limt/],
      ['without sdkAppId', { path: PATH, onRecall: () => {} }, /sdkAppId/],
    ])('register rejects %s', async (_what, options, message) => {
      const app = fastify();
      await expect(
        app.register(recallWebhook, options as unknown as RecallWebhookPluginOptions).ready(),
      ).rejects.toThrow(message);
      await app.close();
    });
  });
});
