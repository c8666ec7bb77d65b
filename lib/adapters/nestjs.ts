import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Inject,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
  type NestModule,
  type OptionalFactoryDependency,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { recallWebhook as fastifyPlugin, type RecallWebhookPluginOptions } from './fastify';
import { createNodeListener, type NextHandler } from './node-http';
import { createFailureLog, normalizeLog } from '../delivery/log';
import { pathOf, readBody, writeAnswer } from '../http/node-io';
import { normalizeOptions } from '../http/options';
import { failAnswer, JSON_CONTENT_TYPE } from '../protocol/answers';
import { parseBody, type BodySource } from '../protocol/body';
import type { RecallWebhookError } from '../protocol/errors';
import type { RecallWebhookOptions } from '../http/types';

/**
 * `recallWebhook`'s options, plus the callback URL's path. `Req` is the request the handlers get:
 * Express's on the Express platform, Fastify's on the Fastify platform.
 */
export interface RecallWebhookModuleOptions<Req = unknown, Reply = unknown> extends RecallWebhookOptions<Req> {
  /**
   * The callback URL's path, e.g. `/tencent-chat/callback`; a global prefix does not apply to it.
   * Only this path is taken: `/tencent-chat/callback/other` is the app's.
   */
  path: string;
  /**
   * Answers the other callback commands POSTed to `path`, on either platform, as a route handler
   * would: `request.body` is the JSON Tencent sent (parsed whatever the Content-Type, up to
   * `limit`); a value it returns (or resolves to) is sent as the answer, or it answers with
   * `reply.status(200).send(…)`, which both platforms have. Without it, they go on to the app's
   * routes on Express and are answered 404 FAIL on Fastify.
   */
  onOtherCommand?: ((request: Req, reply: Reply) => unknown) | undefined;
}

/** `forRootAsync`: the options made by a factory, which can use the providers it injects. */
export interface RecallWebhookModuleAsyncOptions<Req = unknown, Reply = unknown> {
  imports?: ModuleMetadata['imports'] | undefined;
  inject?: Array<InjectionToken | OptionalFactoryDependency> | undefined;
  /** Called with the providers `inject` names, in that order; typed by the factory's own parameters. */
  useFactory: (
    ...injected: never[]
  ) => RecallWebhookModuleOptions<Req, Reply> | Promise<RecallWebhookModuleOptions<Req, Reply>>;
}

const MODULE_OPTIONS = Symbol('tencent-chat-recall-webhook module options');

/**
 * A NestJS module (NestJS 10, 11 and 12, Express and Fastify platforms) that receives Tencent Cloud
 * Chat's recall callbacks at `path`, with the same options, checks and answers as `recallWebhook`.
 * On Express it is mounted before the app's controllers, after Nest's body parser (whose `rawBody`
 * it reads when the app is created with `rawBody: true`); on Fastify it is the Fastify plugin,
 * with its own encapsulated body parsing.
 */
export class RecallWebhookModule implements NestModule {
  constructor(
    private readonly options: RecallWebhookModuleOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  static forRoot<Req = unknown, Reply = unknown>(options: RecallWebhookModuleOptions<Req, Reply>): DynamicModule {
    return { module: RecallWebhookModule, providers: [{ provide: MODULE_OPTIONS, useValue: options }] };
  }

  static forRootAsync<Req = unknown, Reply = unknown>(
    asyncOptions: RecallWebhookModuleAsyncOptions<Req, Reply>,
  ): DynamicModule {
    return {
      module: RecallWebhookModule,
      imports: asyncOptions.imports ?? [],
      providers: [{ provide: MODULE_OPTIONS, useFactory: asyncOptions.useFactory, inject: asyncOptions.inject ?? [] }],
    };
  }

  /** Called by Nest while it sets up middleware: before the controllers' routes, so ahead of them. */
  configure(): void {
    const { path, onOtherCommand, ...options } = this.options ?? ({} as RecallWebhookModuleOptions);
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError('RecallWebhookModule: invalid options: "path" must be a string starting with "/"');
    }
    const adapter = this.adapterHost.httpAdapter;
    const platform = adapter.getType();
    if (platform === 'express') {
      const listener = createNodeListener(
        options as RecallWebhookOptions<IncomingMessage>,
        'RecallWebhookModule',
        rawOrParsed,
      );
      const passOn = onOtherCommand ? answerOtherCommands(options, onOtherCommand) : undefined;
      // Mounted without a path: Express would match one as a prefix, taking `${path}/anything`.
      adapter
        .getInstance<{ use: (handler: unknown) => void }>()
        .use((req: ExpressRequest, res: ServerResponse, next: NextHandler) => {
          if (withoutTrailingSlash(pathOf(req.url ?? '')) !== withoutTrailingSlash(path)) next();
          else listener(req, res, passOn && req.method === 'POST' ? () => passOn(req, res, next) : next);
        });
      return;
    }
    if (platform === 'fastify') {
      const fastify = adapter.getInstance<{ register: (plugin: unknown, options: unknown) => void }>();
      fastify.register(fastifyPlugin, { path, onOtherCommand, ...options } as RecallWebhookPluginOptions);
      return;
    }
    throw new TypeError(`RecallWebhookModule: the ${platform} platform is not supported (Express and Fastify are)`);
  }
}

// Constructor injection without TypeScript's decorators: the package is built without them.
Inject(MODULE_OPTIONS)(RecallWebhookModule, undefined, 0);
Inject(HttpAdapterHost)(RecallWebhookModule, undefined, 1);

type ExpressRequest = IncomingMessage & { rawBody?: unknown; body?: unknown };

/**
 * On Express, the other commands at `path` as the Fastify plugin answers them: the body parsed
 * (or read) against `limit`, `onOtherCommand` called as a route handler, what it returns sent as
 * JSON. A body that cannot be read is answered FAIL and logged; a handler's error goes to the
 * app's error handling, as a route's would.
 */
function answerOtherCommands(
  options: RecallWebhookOptions<unknown>,
  onOtherCommand: (request: never, reply: never) => unknown,
): (req: ExpressRequest, res: ServerResponse, next: NextHandler) => void {
  const { limit, bodyTimeoutMs } = normalizeOptions(options, 'RecallWebhookModule');
  const failures = createFailureLog(normalizeLog(options.log));
  return (req, res, next) => {
    readBody(req, limit, bodyTimeoutMs, rawOrParsed(req))
      .then((source) => {
        req.body = isEmpty(source) ? undefined : parseBody(source, limit);
      })
      .then(
        async () => {
          const result = await onOtherCommand(req as never, res as never);
          if (result !== undefined && !res.headersSent) {
            res.writeHead(200, { 'Content-Type': JSON_CONTENT_TYPE }).end(JSON.stringify(result));
          }
        },
        // readBody and parseBody reject with the package's errors only, each with its status.
        (error: RecallWebhookError) => {
          failures.report('warn', `${error.status} ${error.message}`, otherCommandFailure(req, error));
          writeAnswer(req, res, failAnswer(error.status, error.message));
        },
      )
      .catch(next);
  };
}

/** No body, as Fastify gives a route when none was sent. */
function isEmpty(source: BodySource): boolean {
  if (source.kind === 'bytes') return source.bytes.byteLength === 0;
  return source.kind === 'text' ? source.text === '' : source.value === undefined;
}

function otherCommandFailure(req: IncomingMessage, error: RecallWebhookError): string {
  return `answered ${error.status} FAIL (${error.message}) to POST ${pathOf(req.url ?? '')}, another command for onOtherCommand`;
}

/** With `rawBody: true`, Nest's Express body parser keeps the bytes it parsed in `req.rawBody`. */
function rawOrParsed(req: ExpressRequest): unknown {
  return req.rawBody instanceof Uint8Array ? req.rawBody : req.body;
}

/** Express's routing takes `/cb/` for `/cb`: so does the module's own path check. */
function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
