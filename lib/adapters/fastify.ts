import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import createDebug from 'debug';
import { createFailureLog, normalizeLog } from '../delivery/log';
import { failAnswer, JSON_CONTENT_TYPE, type Answer } from '../protocol/answers';
import { InvalidBodyError, RecallWebhookError } from '../protocol/errors';
import type { BodySource } from '../protocol/body';
import { createRecallCore } from '../http/pipeline';
import { leavesBodyUnread, NOT_CLAIMED, pathOf, queryParams, readBody, readStream } from '../http/node-io';
import type { RecallLog } from '../delivery/types';
import type { RecallWebhookOptions } from '../http/types';

const debug = createDebug('tencent-chat-recall-webhook:fastify');

/** A Fastify route handler, for the callback commands the plugin does not take. */
export type OtherCommandHandler = (request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * `recallWebhook`'s options, plus where the route goes and who answers the other commands. Without
 * `log`, failures are written to the app's logger (`instance.log`, at the plugin's `logLevel`) when
 * the app has one, and to the console when it was made without (`logger: false`, Fastify's default).
 */
export interface RecallWebhookPluginOptions extends RecallWebhookOptions<FastifyRequest> {
  /** The callback URL's path (under the prefix the plugin is registered with), e.g. `/tencent-chat/callback`. */
  path: string;
  /**
   * Answers the POSTs Tencent sends to the same URL that are not a recall this plugin has a handler
   * (or a queue) for, as a route handler would: `request.body` is the JSON Tencent sent (parsed
   * whatever the Content-Type, up to `limit`). Without it they are answered 404 FAIL. They are not
   * signature-checked (`token` guards recalls only): check them with `createCallbackSignatureCheck`.
   */
  onOtherCommand?: OtherCommandHandler | undefined;
}

/** What `register` adds to a plugin's options: Fastify's, not the middleware's. */
const REGISTER_OPTIONS = ['prefix', 'logLevel', 'logSerializers'];

/**
 * A Fastify plugin (Fastify 4 and 5) for Tencent Cloud Chat's recall callbacks:
 * `await app.register(recallWebhook, { path: '/tencent-chat/callback', sdkAppId, onRecall })`.
 * It adds a POST route at `path` that reads a recall's body itself, and its own content-type parsing
 * for the other commands, encapsulated: the app's parsers and its other routes are untouched.
 * Other callback commands go to `onOtherCommand`.
 */
export async function recallWebhook(
  instance: FastifyInstance,
  pluginOptions: RecallWebhookPluginOptions,
): Promise<void> {
  const { path, onOtherCommand, options } = splitOptions(pluginOptions, instance.log);
  const core = createRecallCore(options, 'recallWebhook');
  const parseJson = instance.getDefaultJsonParser('error', 'error');

  // A recall is taken and answered in the route's onRequest hook, before Fastify parses anything:
  // its body is read here, whatever the Content-Type, against limit and bodyTimeoutMs.
  // Callback-style: an unclaimed request goes on with done(); a claimed one is answered here and
  // never calls it, which ends Fastify's lifecycle for the request.
  function takeRecall(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const raw = request.raw;
    const params = queryParams(raw.url ?? '');
    const label = `POST ${pathOf(raw.url ?? '')}`;
    const command = core.claims(raw.method, params);
    if (!command) {
      debug('%s: passed on: CallbackCommand is not a recall this plugin has a handler or queue for', label);
      done();
      return;
    }
    void core
      .handle({
        command,
        params,
        request,
        label,
        readBody: (limit, timeoutMs) => readBody(raw, limit, timeoutMs, undefined),
      })
      .then((answer) => send(request, reply, answer));
  }

  // The other commands' bodies: JSON for onOtherCommand whatever the Content-Type, or left unread
  // for the 404. The app's parsers stay where they are.
  // A body that cannot be read or parsed is answered FAIL by the route, not thrown to the app's
  // error handler (NestJS's answers every error it does not know 500).
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', (request, _payload, done) => {
    if (!onOtherCommand) {
      done(null, undefined);
      return;
    }
    readStream(request.raw, core.options.limit, core.options.bodyTimeoutMs).then(
      (source) =>
        parseJson(request, textOf(source), (error: Error | null, body?: unknown) =>
          done(null, error ? new UnreadableBody(new InvalidBodyError('body is not valid JSON')) : body),
        ),
      (error: RecallWebhookError) => done(null, new UnreadableBody(error)),
    );
  });

  const failures = createFailureLog(normalizeLog(options.log));
  instance.post(path, { onRequest: takeRecall }, async (request, reply) => {
    if (!onOtherCommand) return send(request, reply, NOT_CLAIMED);
    if (request.body instanceof UnreadableBody) {
      const { status, message } = request.body.error;
      const label = `POST ${pathOf(request.raw.url ?? '')}`;
      failures.report(
        'warn',
        `${status} ${message}`,
        `answered ${status} FAIL (${message}) to ${label}, another command`,
      );
      return send(request, reply, failAnswer(status, message));
    }
    return onOtherCommand(request, reply);
  });
}

// What fastify-plugin would set, without its 'skip-override': the parser stays encapsulated with
// the route. Fastify names the plugin after this in its errors and plugin tree, and refuses to
// register it on a major it was not written for.
const PLUGIN_NAME = 'tencent-chat-recall-webhook';
Object.defineProperty(recallWebhook, Symbol.for('fastify.display-name'), { value: PLUGIN_NAME });
Object.defineProperty(recallWebhook, Symbol.for('plugin-meta'), {
  value: { name: PLUGIN_NAME, fastify: '4.x || 5.x' },
});

function splitOptions(
  pluginOptions: RecallWebhookPluginOptions,
  logger: FastifyBaseLogger,
): {
  path: string;
  onOtherCommand: OtherCommandHandler | undefined;
  options: RecallWebhookOptions<FastifyRequest>;
} {
  const { path, onOtherCommand, ...rest } = pluginOptions;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError('recallWebhook: invalid options: "path" must be a string starting with "/"');
  }
  if (onOtherCommand !== undefined && typeof onOtherCommand !== 'function') {
    throw new TypeError('recallWebhook: invalid options: "onOtherCommand" must be a function');
  }
  const options: Partial<Record<string, unknown>> = { ...rest };
  for (const key of REGISTER_OPTIONS) delete options[key];
  if (options['log'] === undefined) options['log'] = logOf(logger);
  return { path, onOtherCommand, options: options as unknown as RecallWebhookOptions<FastifyRequest> };
}

/**
 * The app's logger as the `log` option, or undefined (the console) when the app has none: Fastify
 * then gives a logger whose methods do nothing, and pino's `level` is what it lacks.
 */
function logOf(logger: FastifyBaseLogger): RecallLog | undefined {
  if (typeof logger.level !== 'string') return undefined;
  return {
    debug: (message) => logger.debug(message),
    info: (message) => logger.info(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
}

/** What the content-type parser hands the route for another command whose body it could not take. */
class UnreadableBody {
  constructor(readonly error: RecallWebhookError) {}
}

function textOf(source: BodySource): string {
  // readStream gives bytes.
  const { bytes } = source as { bytes: Uint8Array };
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function send(request: FastifyRequest, reply: FastifyReply, answer: Answer): FastifyReply {
  reply.code(answer.status).header('content-type', JSON_CONTENT_TYPE);
  if (answer.headers) reply.headers(answer.headers);
  // As the node:http listener does: a refused body is not read to its end, the connection is closed instead.
  if (leavesBodyUnread(request.raw)) reply.header('connection', 'close');
  return reply.send(answer.body);
}
