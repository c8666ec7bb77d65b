/**
 * The NestJS module on both platforms (Express and Fastify), over real HTTP on 127.0.0.1: the
 * table's named cases with Nest's body parser on, with `rawBody: true` and (Express) with
 * `bodyParser: false`; then `forRootAsync` with an injected service and the option checks. The
 * test classes are decorated by calling Nest's decorators as functions: this project's
 * TypeScript has no `experimentalDecorators`.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { All, Controller, Get, HttpCode, Module, Post, Req, type INestApplication, type Type } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import getRawBody from 'raw-body';
import { RecallWebhookModule, type RecallWebhookModuleOptions } from '../../lib/entries/nestjs';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { send } from '../hardening/http';
import { SDK_APP_ID, query, queryString } from '../cases';
import { describeTable, namedCases, passedOnAnswer, PATH, type ParserInFront, type TableServer } from './table';

type Platform = 'Express' | 'Fastify';
type BodyRequest = { readable?: boolean; readableEnded?: boolean; rawBody?: Buffer; body?: unknown };

/** Applies a method decorator to `Class.prototype[method]`, as `@decorator` would. */
function decorate(Class: Type, method: string, ...decorators: MethodDecorator[]): void {
  const descriptor = Object.getOwnPropertyDescriptor(Class.prototype, method)!;
  for (const decorator of decorators) decorator(Class.prototype, method, descriptor);
}

/** An app's own route elsewhere, with Nest's parsing. */
class OrdersController {
  orders(req: BodyRequest): unknown {
    return { parsed: req.body };
  }
}
Controller()(OrdersController);
Req()(OrdersController.prototype, 'orders', 0);
decorate(OrdersController, 'orders', Post('orders'), HttpCode(200));

/**
 * The app's route at the callback URL, which gets what the module passes on: on Express every
 * method, on Fastify GET (POST is the plugin's, whose other commands go to onOtherCommand).
 */
function otherCommandsController(platform: Platform): Type {
  class OtherCommands {
    async other(req: BodyRequest & NodeJS.ReadableStream): Promise<unknown> {
      const unread = req.readable && !req.readableEnded;
      return passedOnAnswer(unread ? await getRawBody(req, { encoding: 'utf8' }) : (req.rawBody ?? req.body));
    }
  }
  Controller()(OtherCommands);
  Req()(OtherCommands.prototype, 'other', 0);
  decorate(OtherCommands, 'other', platform === 'Express' ? All(PATH) : Get(PATH), HttpCode(200));
  return OtherCommands;
}

async function start(
  platform: Platform,
  imports: unknown[],
  appOptions: { rawBody?: boolean; bodyParser?: boolean } = {},
  controllers: Type[] = [otherCommandsController(platform)],
): Promise<TableServer & { app: INestApplication }> {
  class AppModule {}
  Module({ imports: imports as Type[], controllers: [...controllers, OrdersController] })(AppModule);
  const adapter = platform === 'Express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = await NestFactory.create(AppModule, adapter, { logger: false, ...appOptions });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  return {
    app,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await app.close();
    },
  };
}

type Setup = [Platform, string, { rawBody?: boolean; bodyParser?: boolean }, ParserInFront, 'onOtherCommand'?];
const SETUPS: Setup[] = [
  ['Express', "Nest's body parser", {}, { mount: 'json', keepsText: false }],
  ['Express', 'rawBody: true', { rawBody: true }, { mount: 'json', keepsText: true }],
  ['Express', 'bodyParser: false', { bodyParser: false }, { mount: 'none', keepsText: false }],
  ['Express', 'onOtherCommand', {}, { mount: 'json', keepsText: false }, 'onOtherCommand'],
  [
    'Express',
    'onOtherCommand, bodyParser: false',
    { bodyParser: false },
    { mount: 'none', keepsText: false },
    'onOtherCommand',
  ],
  ['Fastify', "Nest's body parser", {}, { mount: 'none', keepsText: false }, 'onOtherCommand'],
  ['Fastify', 'rawBody: true', { rawBody: true }, { mount: 'none', keepsText: false }, 'onOtherCommand'],
];

describe.each(SETUPS)('NestJS on %s, %s', (platform, _setup, appOptions, inFront, others) => {
  describeTable(
    'RecallWebhookModule.forRoot',
    async (rec) => {
      const options: RecallWebhookModuleOptions = { ...rec.options, path: PATH };
      if (others) options.onOtherCommand = (request) => passedOnAnswer((request as { body?: unknown }).body);
      return start(platform, [RecallWebhookModule.forRoot(options)], appOptions);
    },
    inFront,
    namedCases,
  );
});

describe.each(['Express', 'Fastify'] as const)('NestJS on %s', (platform) => {
  class RecallLog {
    readonly groups: string[] = [];
  }
  class RecallLogModule {}
  Module({ providers: [RecallLog], exports: [RecallLog] })(RecallLogModule);

  it('forRootAsync builds the options with injected providers, and the app keeps its own JSON routes', async () => {
    let log: RecallLog | undefined;
    const server = await start(platform, [
      RecallWebhookModule.forRootAsync({
        imports: [RecallLogModule],
        inject: [RecallLog],
        useFactory: async (recalls: RecallLog) => {
          log = recalls;
          return { path: PATH, sdkAppId: SDK_APP_ID, onRecall: (event) => void recalls.groups.push(event.groupId) };
        },
      }),
    ]);
    try {
      const search = new URLSearchParams(createCallbackQuery(SDK_APP_ID));
      const reply = await send(server.port, `${PATH}?${search}`, {
        body: JSON.stringify(createRecallEvent({ GroupId: 'g-nest' })),
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toEqual({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
      expect(log?.groups).toEqual(['g-nest']);
      expect(server.app.get(RecallLog)).toBe(log);

      const orders = await send(server.port, '/orders', {
        body: JSON.stringify({ id: 7 }),
        headers: { 'content-type': 'application/json' },
      });
      expect(JSON.parse(orders.text)).toEqual({ parsed: { id: 7 } });
    } finally {
      await server.close();
    }
  });

  it.each([
    ['without path', { sdkAppId: SDK_APP_ID, onRecall: () => {} }, /"path" must be a string starting with "\/"/],
    ['without sdkAppId', { path: PATH, onRecall: () => {} }, /sdkAppId/],
  ])('refuses to start %s', async (_what, options, message) => {
    await expect(
      start(platform, [RecallWebhookModule.forRoot(options as unknown as RecallWebhookModuleOptions)]),
    ).rejects.toThrow(message);
  });
});

/** The app's own route below the callback URL, for every method. */
class BelowTheCallbackUrl {
  below(): unknown {
    return { below: true };
  }
}
Controller()(BelowTheCallbackUrl);
decorate(BelowTheCallbackUrl, 'below', All(`${PATH}/sub`), HttpCode(200));

describe.each(['Express', 'Fastify'] as const)('one module configuration on %s', (platform) => {
  const onRecall = jest.fn();
  const warn = jest.fn();
  let server: TableServer & { app: INestApplication };
  const answered = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };

  beforeAll(async () => {
    const onOtherCommand = (
      request: { body?: { fail?: boolean } },
      reply: { status(code: number): { send(body: unknown): void } },
    ) => {
      if (request.body?.fail) throw new Error('the handler failed');
      reply.status(200).send({ ...answered, body: request.body });
    };
    server = await start(
      platform,
      [
        RecallWebhookModule.forRoot({
          path: PATH,
          sdkAppId: SDK_APP_ID,
          onRecall,
          onOtherCommand,
          limit: 1024,
          log: { warn },
        }),
      ],
      {},
      [BelowTheCallbackUrl],
    );
  });
  afterAll(() => server.close());
  beforeEach(() => onRecall.mockClear());

  const post = (path: string, command: string, body: string, contentType = 'application/json') =>
    send(server.port, `${path}?${queryString(query({ CallbackCommand: command }))}`, {
      body,
      headers: { 'content-type': contentType },
    });

  it('takes a recall at the path', async () => {
    const reply = await post(PATH, 'Group.CallbackAfterRecallMsg', JSON.stringify(createRecallEvent()));
    expect(JSON.parse(reply.text)).toEqual(answered);
    expect(onRecall).toHaveBeenCalledTimes(1);
  });

  it.each(['application/json', 'text/plain'])(
    'hands another command to onOtherCommand with its JSON parsed, sent as %s',
    async (contentType) => {
      const reply = await post(PATH, 'Group.CallbackAfterSendMsg', '{"GroupId":"g1"}', contentType);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toEqual({ ...answered, body: { GroupId: 'g1' } });
    },
  );

  it('answers 413 FAIL to another command over the limit, and logs it', async () => {
    const reply = await post(
      PATH,
      'Group.CallbackAfterSendMsg',
      JSON.stringify({ text: 'x'.repeat(2000) }),
      'text/plain',
    );
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.text)).toMatchObject({ ActionStatus: 'FAIL' });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/413 FAIL .* another command/));
  });

  it("leaves onOtherCommand's throw to the app's error handling, as a route's", async () => {
    const reply = await post(PATH, 'Group.CallbackAfterSendMsg', '{"fail":true}');
    expect(reply.status).toBe(500);
  });

  it("leaves a recall's query below the path to the app's route there", async () => {
    const reply = await post(`${PATH}/sub`, 'Group.CallbackAfterRecallMsg', JSON.stringify(createRecallEvent()));
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ below: true });
    expect(onRecall).not.toHaveBeenCalled();
  });
});

describe('RecallWebhookModule.configure', () => {
  const hostOf = (platform: string) => ({ httpAdapter: { getType: () => platform } }) as unknown as HttpAdapterHost;

  it('refuses a platform other than Express and Fastify, naming it', () => {
    const module = new RecallWebhookModule({ path: PATH, sdkAppId: SDK_APP_ID, onRecall: () => {} }, hostOf('hyper'));
    expect(() => module.configure()).toThrow('RecallWebhookModule: the hyper platform is not supported');
  });

  it('says what is wrong when a factory gave no options', () => {
    const module = new RecallWebhookModule(undefined as unknown as RecallWebhookModuleOptions, hostOf('express'));
    expect(() => module.configure()).toThrow(/"path" must be a string/);
  });
});
