import createDebug from 'debug';
import { failAnswer, OK_ANSWER, type Answer } from '../protocol/answers';
import { parseBody, type BodySource } from '../protocol/body';
import { commandSpec, inlineHandler, specOf, type CommandSpec, type InlineHandler } from '../protocol/commands';
import { claimDelivery, UNGUARDED, type Claim } from '../delivery/dedupe';
import { CallbackFailedError, EnqueueFailedError, RecallWebhookError, SdkAppIdMismatchError } from '../protocol/errors';
import { normalizeOptions, type NormalizedOptions } from './options';
import type { CallbackQuery } from '../protocol/query';
import { enqueue } from '../delivery/queue';
import { createSignatureVerifier, type SignatureVerifier } from '../protocol/signature';
import type { ErrorStage, RecallEvent, RecallWebhookOptions } from '../protocol/types';

const debug = createDebug('tencent-chat-recall-webhook:core');

/** What an adapter hands the core for one claimed request. */
export interface IncomingCallback<Req> {
  /** What `claims` returned for this request. */
  command: CommandSpec;
  params: CallbackQuery;
  request: Req;
  /**
   * The request's method and path, to say in debug lines which request they are about (never the
   * query: it holds Sign). The core adds the request's number.
   */
  label: string;
  /**
   * Reads the body, rejecting with a `RecallWebhookError` when it is over `limit` bytes or has not
   * fully arrived within `timeoutMs`.
   */
  readBody: (limit: number, timeoutMs: number) => Promise<BodySource>;
  /** Keeps a serverless runtime alive for work that goes on after the answer. */
  waitUntil?: (work: Promise<unknown>) => void;
}

/** The protocol, shared by every adapter: which requests to claim and how to answer them. */
export interface RecallCore<Req> {
  readonly options: NormalizedOptions<Req>;
  /**
   * The command's spec when the request is a POST of a recall this middleware has a handler (or a
   * queue) for; `undefined` for requests that belong to other handlers.
   */
  claims(method: string | undefined, params: CallbackQuery): CommandSpec | undefined;
  /** Runs every check, hands the recall on (handler or queue) and resolves to the one answer; never rejects. */
  handle(incoming: IncomingCallback<Req>): Promise<Answer>;
}

type Outcome = { ok: true } | { ok: false; error: unknown };

const SUCCEEDED: Outcome = { ok: true };
const TIMED_OUT = Symbol('timed out');

export function createRecallCore<Req>(userOptions: RecallWebhookOptions<Req>, factory: string): RecallCore<Req> {
  const options = normalizeOptions(userOptions, factory);
  let authenticationOffLogged = false;
  let received = 0;

  function claims(method: string | undefined, params: CallbackQuery): CommandSpec | undefined {
    if (method !== 'POST') return undefined;
    const commands = params.getAll('CallbackCommand');
    if (commands.length !== 1) return undefined;
    const spec = commandSpec(commands[0]);
    if (spec === undefined || !(options.queue || inlineHandler(spec, options))) return undefined;
    return spec;
  }

  function checkSdkAppId(params: CallbackQuery): string {
    const ids = params.getAll('SdkAppid');
    if (ids.length === 0) throw new SdkAppIdMismatchError('missing SdkAppid');
    if (ids.length > 1) throw new SdkAppIdMismatchError('SdkAppid given more than once');
    if (!options.sdkAppIds.has(ids[0])) throw new SdkAppIdMismatchError('SdkAppid is not this app');
    return ids[0];
  }

  // Built once: each app's Sign is checked against that app's tokens only.
  const signatureChecks = new Map<string, SignatureVerifier>(
    [...options.tokensByApp].map(([id, tokens]) => [
      id,
      createSignatureVerifier({ tokens, toleranceSeconds: options.toleranceSeconds, now: options.now }),
    ]),
  );

  function authenticate(sdkAppId: string, params: CallbackQuery, label: string): void {
    const check = signatureChecks.get(sdkAppId);
    if (check === undefined) {
      if (!authenticationOffLogged) {
        authenticationOffLogged = true;
        debug('%s: authentication is off: no token configured, Sign and RequestTime are not checked', label);
      }
      return;
    }
    check(single(params, 'Sign'), single(params, 'RequestTime'));
  }

  function report(error: unknown, stage: ErrorStage, event: RecallEvent, incoming: IncomingCallback<Req>): void {
    const spec = specOf(event);
    const failed = stage === 'dedupe' ? 'dedupe store' : stage === 'enqueue' ? 'queue' : spec.handlerOption;
    debug('%s: %s failed (%s) for %s', incoming.label, failed, stage, spec.describe(event));
    if (!options.onError) return;
    try {
      options.onError(error, { stage, event, request: incoming.request });
    } catch (onErrorFailure) {
      debug('%s: onError threw: %O', incoming.label, onErrorFailure);
    }
  }

  // Without dedupe there is nothing to wait for: no promise on the per-request path.
  function claim(event: RecallEvent, incoming: IncomingCallback<Req>, waitMs: number): Claim | Promise<Claim> {
    if (!options.dedupe) return UNGUARDED;
    const onStoreFailure = (error: unknown) => report(error, 'dedupe', event, incoming);
    return claimDelivery(options.dedupe, event, waitMs, onStoreFailure, incoming.label);
  }

  function invoke(handler: InlineHandler<Req>, event: RecallEvent, request: Req): Outcome | Promise<Outcome> {
    try {
      const result = handler(event, request);
      if (!isThenable(result)) return SUCCEEDED;
      return Promise.resolve(result).then(
        () => SUCCEEDED,
        (error: unknown) => ({ ok: false, error }),
      );
    } catch (error) {
      return { ok: false, error };
    }
  }

  async function dispatch(event: RecallEvent, incoming: IncomingCallback<Req>, answerBy: number): Promise<Answer> {
    const handler = inlineHandler(incoming.command, options);
    if (options.respond === 'immediately') {
      // Without a queue, claims() took the request only because this handler exists.
      respondImmediately(handler as InlineHandler<Req>, event, incoming);
      return OK_ANSWER;
    }
    if (options.queue) {
      // No dedupe claim before the add: a receiver that died between claim and add would leave a
      // key that answers Tencent's retry OK with no job. BullMQ's deduplication id is stored with
      // the job itself, so it is what turns copies into one job.
      try {
        // With a fallback, the add gets half of what is left, so the handler still has time to
        // finish (and to be answered FAIL if it fails) before the answer must go out.
        const left = answerBy - performance.now();
        await enqueue(options.queue, event, handler ? left / 2 : left, incoming.label);
        return OK_ANSWER;
      } catch (error) {
        report(error, 'enqueue', event, incoming);
        if (!handler) throw new EnqueueFailedError(error);
        debug('%s: the queue did not take the recall: processing it inline', incoming.label);
      }
    }
    return await claimAndRunInline(handler as InlineHandler<Req>, event, incoming, answerBy);
  }

  // Whenever the handler fails, the key is released so that a later copy is processed: before the
  // answer when the failure comes first, after it otherwise.
  async function claimAndRunInline(
    handler: InlineHandler<Req>,
    event: RecallEvent,
    incoming: IncomingCallback<Req>,
    answerBy: number,
  ): Promise<Answer> {
    // The claim waits no longer than the answer may: what is left of timeoutMs.
    const claiming = claim(event, incoming, answerBy - performance.now());
    const held = claiming instanceof Promise ? await claiming : claiming;
    if (held.duplicate) return OK_ANSWER;
    // Awaited: an async function that returns a promise takes two more microtask turns to adopt it.
    return await runInline(handler, event, incoming, held, answerBy);
  }

  function respondImmediately(handler: InlineHandler<Req>, event: RecallEvent, incoming: IncomingCallback<Req>): void {
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => claim(event, incoming, Infinity))
      .then(async (held) => {
        if (held.duplicate) return;
        const outcome = await invoke(handler, event, incoming.request);
        if (outcome.ok) return handled(event, incoming);
        report(outcome.error, 'after-answer', event, incoming);
        await held.release();
      });
    incoming.waitUntil?.(work);
    debug('%s: answered OK before running the handler (respond: immediately)', incoming.label);
  }

  async function runInline(
    handler: InlineHandler<Req>,
    event: RecallEvent,
    incoming: IncomingCallback<Req>,
    held: Claim & { duplicate: false },
    answerBy: number,
  ): Promise<Answer> {
    const running = invoke(handler, event, incoming.request);
    const outcome = running instanceof Promise ? await settleOrTimeOut(running, answerBy) : running;
    if (outcome === TIMED_OUT) {
      debug(
        '%s: handler still running %d ms after the request came in: acknowledged with OK',
        incoming.label,
        options.timeoutMs,
      );
      const late = (running as Promise<Outcome>).then(async (settled) => {
        if (settled.ok) return handled(event, incoming);
        report(settled.error, 'after-answer', event, incoming);
        await held.release();
      });
      incoming.waitUntil?.(late);
      return OK_ANSWER;
    }
    if (outcome.ok) {
      handled(event, incoming);
      return OK_ANSWER;
    }
    report(outcome.error, 'callback', event, incoming);
    await held.release();
    throw new CallbackFailedError(outcome.error);
  }

  // Only for a recall the handler ran to success: a skipped duplicate or a queued recall is not "handled" here.
  function handled(event: RecallEvent, incoming: IncomingCallback<Req>): void {
    // describe() builds a string: only when someone reads it.
    if (debug.enabled) debug('%s: handled %s', incoming.label, incoming.command.describe(event));
  }

  function settleOrTimeOut(running: Promise<Outcome>, answerBy: number): Promise<Outcome | typeof TIMED_OUT> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      void running.then((outcome) => {
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      });
      // A handler that has already finished settles before the immediate runs: only one still
      // running needs a timer, armed for the same deadline.
      setImmediate(() => {
        if (!settled) timer = setTimeout(resolve, Math.max(0, answerBy - performance.now()), TIMED_OUT);
      });
    });
  }

  async function process(incoming: IncomingCallback<Req>): Promise<Answer> {
    // Reading the body and claiming the key count against timeoutMs too, so the answer still goes
    // out before Tencent's deadline.
    const answerBy = performance.now() + options.timeoutMs;
    const sdkAppId = checkSdkAppId(incoming.params);
    authenticate(sdkAppId, incoming.params, incoming.label);
    const body = parseBody(await incoming.readBody(options.limit, options.bodyTimeoutMs), options.limit);
    const event = incoming.command.toEvent(body, {
      sdkAppId,
      clientIp: incoming.params.get('ClientIP') ?? undefined,
      optPlatform: incoming.params.get('OptPlatform') ?? undefined,
    });
    return await dispatch(event, incoming, answerBy);
  }

  function handle(incoming: IncomingCallback<Req>): Promise<Answer> {
    // Numbered, so the lines of requests that overlap on one path can be told apart; the copy
    // and the string only while debug lines are written.
    const numbered = debug.enabled ? { ...incoming, label: `${incoming.label} #${++received}` } : incoming;
    return process(numbered).catch((error: unknown) => {
      if (error instanceof RecallWebhookError) {
        debug('%s: rejected with %d: %s', numbered.label, error.status, error.message);
        return failAnswer(error.status, error.message);
      }
      debug('%s: internal error: %O', numbered.label, error);
      return failAnswer(500, 'internal error');
    });
  }

  return { options, claims, handle };
}

function single(params: CallbackQuery, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
