import type { IncomingMessage } from 'node:http';
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
import { createNodeListener } from './node-http';
import type { RecallWebhookOptions } from '../http/types';

/**
 * `recallWebhook`'s options, plus the callback URL's path. `Req` is the request the handlers get:
 * Express's on the Express platform, Fastify's on the Fastify platform.
 */
export interface RecallWebhookModuleOptions<Req = unknown, Reply = unknown> extends RecallWebhookOptions<Req> {
  /** The callback URL's path, e.g. `/tencent-chat/callback`; a global prefix does not apply to it. */
  path: string;
  /**
   * Fastify platform only: answers the other callback commands POSTed to `path` (as the Fastify
   * plugin's `onOtherCommand`). On the Express platform they go on to the app's own routes.
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
 * A NestJS module (NestJS 10 and 11, Express and Fastify platforms) that receives Tencent Cloud
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
      if (onOtherCommand !== undefined) {
        throw new TypeError(
          'RecallWebhookModule: invalid options: "onOtherCommand" is for the Fastify platform; on Express, other commands go on to your routes',
        );
      }
      const listener = createNodeListener(
        options as RecallWebhookOptions<IncomingMessage>,
        'RecallWebhookModule',
        rawOrParsed,
      );
      adapter.getInstance<{ use: (path: string, handler: unknown) => void }>().use(path, listener);
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

/** With `rawBody: true`, Nest's Express body parser keeps the bytes it parsed in `req.rawBody`. */
function rawOrParsed(req: IncomingMessage & { rawBody?: unknown; body?: unknown }): unknown {
  return req.rawBody instanceof Uint8Array ? req.rawBody : req.body;
}
