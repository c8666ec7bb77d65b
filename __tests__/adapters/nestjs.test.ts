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
import { SDK_APP_ID } from '../cases';
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
): Promise<TableServer & { app: INestApplication }> {
  class AppModule {}
  Module({ imports: imports as Type[], controllers: [otherCommandsController(platform), OrdersController] })(AppModule);
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

const SETUPS: Array<[Platform, string, { rawBody?: boolean; bodyParser?: boolean }, ParserInFront]> = [
  ['Express', "Nest's body parser", {}, { mount: 'json', keepsText: false }],
  ['Express', 'rawBody: true', { rawBody: true }, { mount: 'json', keepsText: true }],
  ['Express', 'bodyParser: false', { bodyParser: false }, { mount: 'none', keepsText: false }],
  ['Fastify', "Nest's body parser", {}, { mount: 'none', keepsText: false }],
  ['Fastify', 'rawBody: true', { rawBody: true }, { mount: 'none', keepsText: false }],
];

describe.each(SETUPS)('NestJS on %s, %s', (platform, _setup, appOptions, inFront) => {
  describeTable(
    'RecallWebhookModule.forRoot',
    async (rec) => {
      const options: RecallWebhookModuleOptions = { ...rec.options, path: PATH };
      if (platform === 'Fastify') {
        options.onOtherCommand = (request) => passedOnAnswer((request as { body?: unknown }).body);
      }
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

it('refuses onOtherCommand on the Express platform, where other commands go on to the routes', async () => {
  await expect(
    start('Express', [
      RecallWebhookModule.forRoot({ path: PATH, sdkAppId: SDK_APP_ID, onRecall: () => {}, onOtherCommand: () => {} }),
    ]),
  ).rejects.toThrow(/"onOtherCommand" is for the Fastify platform/);
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
