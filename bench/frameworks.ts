// The framework servers of the benchmark: each adapter against the route a user of that framework
// writes by hand (the framework's own body parser, the query checks, a JSON answer). Each is a
// request listener for node:http, so bench/server.ts serves them like the others.
import 'reflect-metadata';
import type { RequestListener } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { Controller, HttpCode, Module, Post, Req, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { RECALL_COMMAND } from '../lib/entries';
import { recallWebhook as fastifyPlugin } from '../lib/entries/fastify';
import { recallWebhook as koaMiddleware } from '../lib/entries/koa';
import { RecallWebhookModule } from '../lib/entries/nestjs';
import { CALLBACK_PATH, SDK_APP_ID } from './fixtures';
import type { FrameworkKind } from './protocol';

const OK = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };
const NOT_THIS_CALLBACK = { ActionStatus: 'FAIL', ErrorInfo: 'not this callback', ErrorCode: 1 };
const options = { sdkAppId: SDK_APP_ID, onRecall: async () => {} };

function isThisCallback(query: Partial<Record<string, unknown>>): boolean {
  return query.CallbackCommand === RECALL_COMMAND && query.SdkAppid === String(SDK_APP_ID);
}

/** Fastify's request listener once its plugins are loaded (`routing` is what its server calls). */
async function fastifyListener(app: ReturnType<typeof Fastify>): Promise<RequestListener> {
  await app.ready();
  return app.routing as RequestListener;
}

function fastifyHandwritten(): Promise<RequestListener> {
  const app = Fastify();
  app.post(CALLBACK_PATH, async (request, reply) => {
    if (!isThisCallback(request.query as Record<string, unknown>)) return reply.code(400).send(NOT_THIS_CALLBACK);
    return OK;
  });
  return fastifyListener(app);
}

async function fastifyWithPlugin(): Promise<RequestListener> {
  const app = Fastify();
  await app.register(fastifyPlugin, { path: CALLBACK_PATH, ...options });
  return fastifyListener(app);
}

// @koa/bodyparser's types declare `body` on every http.IncomingMessage, which would retype
// Express's req.body in the rest of the benchmark: loaded with just the type used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bodyParser } = require('@koa/bodyparser') as { bodyParser: () => Koa.Middleware };

function koaHandwritten(): RequestListener {
  const app = new Koa();
  app.use(bodyParser());
  app.use((ctx) => {
    if (ctx.method !== 'POST' || ctx.path !== CALLBACK_PATH) return;
    if (!isThisCallback(ctx.query)) {
      ctx.status = 400;
      ctx.body = NOT_THIS_CALLBACK;
      return;
    }
    ctx.body = OK;
  });
  return app.callback();
}

function koaWithMiddleware(): RequestListener {
  const app = new Koa();
  app.use(koaMiddleware(options));
  return app.callback();
}

/** Nest on its Express platform, with its default body parser; decorators applied as functions (no experimentalDecorators here). */
async function nestListener(imports: unknown[], controllers: Type[]): Promise<RequestListener> {
  class BenchModule {}
  Module({ imports: imports as Type[], controllers })(BenchModule);
  const server = express();
  const app = await NestFactory.create(BenchModule, new ExpressAdapter(server), { logger: false });
  await app.init();
  return server;
}

function nestHandwritten(): Promise<RequestListener> {
  class CallbackController {
    callback(req: express.Request): unknown {
      if (!isThisCallback(req.query) || typeof req.body !== 'object') return NOT_THIS_CALLBACK;
      return OK;
    }
  }
  Controller()(CallbackController);
  Req()(CallbackController.prototype, 'callback', 0);
  const descriptor = Object.getOwnPropertyDescriptor(CallbackController.prototype, 'callback')!;
  Post(CALLBACK_PATH)(CallbackController.prototype, 'callback', descriptor);
  HttpCode(200)(CallbackController.prototype, 'callback', descriptor);
  return nestListener([], [CallbackController]);
}

function nestWithModule(): Promise<RequestListener> {
  return nestListener([RecallWebhookModule.forRoot({ path: CALLBACK_PATH, ...options })], []);
}

export function frameworkListener(kind: FrameworkKind): RequestListener | Promise<RequestListener> {
  switch (kind) {
    case 'fastify-handwritten':
      return fastifyHandwritten();
    case 'fastify-plugin':
      return fastifyWithPlugin();
    case 'koa-handwritten':
      return koaHandwritten();
    case 'koa-middleware':
      return koaWithMiddleware();
    case 'nestjs-handwritten':
      return nestHandwritten();
    case 'nestjs-module':
      return nestWithModule();
  }
}
