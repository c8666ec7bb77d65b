import createDebug from 'debug';
import { commandSpec, specOf, type CommandSpec, type HandlerOption } from '../protocol/commands';
import { CallbackFailedError, EnqueueFailedError } from '../protocol/errors';
import type { RecallCommand, RecallEvent } from '../protocol/types';
import type { DedupeOptions, ErrorContext, ErrorStage, RecallHandlers, RecallLog, RecallQueue } from './types';
import type { TraceCarrier } from '../observability/channels';
import { claimDelivery, UNGUARDED, type Claim, type NormalizedDedupe } from './dedupe';
import { callHook, createFailureLog, isThenable } from './log';
import { enqueue, type NormalizedQueue } from './queue';

// The namespace the receiver's lines have always had: delivery was part of it.
const debug = createDebug('tencent-chat-recall-webhook:core');

/** What a delivery did with a recall. */
export type DeliveryOutcome =
  /** The handler ran (or, answered early, is running). */
  | 'ok'
  /** The dedupe store already held the recall's key: another copy was delivered. */
  | 'duplicate'
  /** The queue stored the recall as a job. */
  | 'queued';

/** The options every way of delivering recalls takes: the receivers' and the reconciler's. */
export interface DeliveryOptions<Req> extends RecallHandlers<Req> {
  queue?: RecallQueue | undefined;
  queueDeduplicationSeconds?: number | undefined;
  queueCommands?: ReadonlyArray<RecallCommand> | undefined;
  queueMaxPendingAdds?: number | undefined;
  dedupe?: DedupeOptions | undefined;
  onError?: ((error: unknown, context: ErrorContext<Req>) => unknown) | undefined;
  log?: Partial<RecallLog> | undefined;
}

/** Delivery options after validation and defaults. */
export interface DeliverySettings<Req> {
  /** The handler options that were given, by name. */
  handlers: RecallHandlers<Req>;
  queue: NormalizedQueue | undefined;
  dedupe: NormalizedDedupe | undefined;
  /** `'immediately'`: `deliver` resolves at once and the handler runs after (never with a queue). */
  respond: 'after-callback' | 'immediately';
  onError: ((error: unknown, context: ErrorContext<Req>) => unknown) | undefined;
  log: RecallLog;
}

export interface DeliveryContext<Req> {
  /** Handed to the handlers and to `onError` as it is. */
  request: Req;
  /** Names the delivery in debug lines. */
  label: string;
  /**
   * `performance.now()` by which `deliver` must settle: a handler still running then goes on, and
   * `deliver` resolves `'ok'`; the queue's add is given up. Absent: no deadline.
   */
  deadline?: number | undefined;
  /**
   * How long the queue's add may wait, in ms, however far off `deadline` is: a bound on the
   * backend alone, which leaves the handler its own time. Absent: only `deadline` bounds the add.
   */
  queueWaitMs?: number | undefined;
  /** Keeps a serverless runtime alive for work that goes on after `deliver` settled. */
  waitUntil?: ((work: Promise<unknown>) => void) | undefined;
  /** The trace context a queued recall's job carries to the worker (see `TRACE_CONTEXT_FIELD`). */
  traceContext?: TraceCarrier | undefined;
}

/** Hands a recall to its handler or to the queue, once, whoever it came from. */
export interface Delivery<Req> {
  /** Whether a handler or the queue takes this command. */
  accepts(command: string): boolean;
  /**
   * Rejects with a `CallbackFailedError` when the handler failed (its dedupe key released, so a
   * later copy is delivered), or an `EnqueueFailedError` when the queue did not take the recall
   * and there is no handler to fall back on.
   */
  deliver(event: RecallEvent, context: DeliveryContext<Req>): Promise<DeliveryOutcome>;
}

type Outcome = { ok: true } | { ok: false; error: unknown };
type InlineHandler<Req> = (event: RecallEvent, request: Req) => unknown;

const SUCCEEDED: Outcome = { ok: true };
const TIMED_OUT = Symbol('timed out');

export function createDelivery<Req>(settings: DeliverySettings<Req>): Delivery<Req> {
  const failures = createFailureLog(settings.log);

  function handlerFor(spec: CommandSpec): InlineHandler<Req> | undefined {
    // Each spec maps only its own events, so its handler only ever sees its own kind.
    return settings.handlers[spec.handlerOption as HandlerOption] as InlineHandler<Req> | undefined;
  }

  function queues(command: string): boolean {
    return settings.queue !== undefined && settings.queue.commands.has(command);
  }

  function accepts(command: string): boolean {
    const spec = commandSpec(command);
    return spec !== undefined && (queues(command) || handlerFor(spec) !== undefined);
  }

  function report(error: unknown, stage: ErrorStage, event: RecallEvent, context: DeliveryContext<Req>): void {
    const spec = specOf(event);
    const failed = stage === 'dedupe' ? 'dedupe store' : stage === 'enqueue' ? 'queue' : spec.handlerOption;
    debug('%s: %s failed (%s) for %s', context.label, failed, stage, spec.describe(event));
    if (stage === 'after-answer') {
      failures.report(
        'error',
        `${spec.handlerOption} failed after the answer`,
        `${spec.handlerOption} failed after the recall was acknowledged, so Tencent will not send it again: ${spec.identify(event)}: ${messageOf(error)}`,
      );
    } else if (stage === 'dedupe') {
      failures.report('warn', 'dedupe store failed', `the dedupe store failed; delivering anyway: ${messageOf(error)}`);
    }
    const onError = settings.onError;
    if (!onError) return;
    callHook(
      () => onError(error, { stage, event, request: context.request }),
      (onErrorFailure) => {
        debug('%s: onError threw: %O', context.label, onErrorFailure);
        failures.report('error', 'onError threw', `onError threw: ${messageOf(onErrorFailure)}`);
      },
    );
  }

  // Without dedupe there is nothing to wait for: no promise on the per-request path.
  function claim(event: RecallEvent, context: DeliveryContext<Req>, waitMs: number): Claim | Promise<Claim> {
    if (!settings.dedupe) return UNGUARDED;
    const onStoreFailure = (error: unknown) => report(error, 'dedupe', event, context);
    return claimDelivery(settings.dedupe, event, waitMs, onStoreFailure, context.label);
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

  async function deliver(event: RecallEvent, context: DeliveryContext<Req>): Promise<DeliveryOutcome> {
    const spec = specOf(event);
    const handler = handlerFor(spec);
    if (!handler && !queues(event.callbackCommand)) {
      throw new TypeError(`neither a handler nor the queue takes ${event.callbackCommand} recalls`);
    }
    const deadline = context.deadline ?? Infinity;
    if (settings.respond === 'immediately') {
      // Without a queue, a recall is accepted only because its handler exists.
      respondImmediately(handler as InlineHandler<Req>, event, context);
      return 'ok';
    }
    if (queues(event.callbackCommand)) {
      // No dedupe claim before the add: a receiver that died between claim and add would leave a
      // key that answers Tencent's retry OK with no job. BullMQ's deduplication id is stored with
      // the job itself, so it is what turns copies into one job.
      try {
        // With a fallback, the add gets half of what is left, so the handler still has time to
        // finish (and to be answered FAIL if it fails) before the answer must go out.
        const left = deadline - performance.now();
        const waitMs = Math.min(handler ? left / 2 : left, context.queueWaitMs ?? Infinity);
        await enqueue(settings.queue as NormalizedQueue, event, waitMs, context);
        return 'queued';
      } catch (error) {
        report(error, 'enqueue', event, context);
        if (!handler) throw new EnqueueFailedError(error);
        debug('%s: the queue did not take the recall: processing it inline', context.label);
        failures.report(
          'warn',
          'queue failed, processed inline',
          `the queue did not take ${spec.identify(event)} (${messageOf(error)}): processing it inline`,
        );
      }
    }
    return await claimAndRunInline(handler as InlineHandler<Req>, event, context, deadline);
  }

  // Whenever the handler fails, the key is released so that a later copy is processed: before
  // `deliver` settles when the failure comes first, after it otherwise.
  async function claimAndRunInline(
    handler: InlineHandler<Req>,
    event: RecallEvent,
    context: DeliveryContext<Req>,
    deadline: number,
  ): Promise<DeliveryOutcome> {
    // The claim waits no longer than the deadline allows.
    const claiming = claim(event, context, deadline - performance.now());
    const held = claiming instanceof Promise ? await claiming : claiming;
    if (held.duplicate) return 'duplicate';
    // Awaited: an async function that returns a promise takes two more microtask turns to adopt it.
    return await runInline(handler, event, context, held, deadline);
  }

  function respondImmediately(handler: InlineHandler<Req>, event: RecallEvent, context: DeliveryContext<Req>): void {
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => claim(event, context, Infinity))
      .then(async (held) => {
        if (held.duplicate) return;
        const outcome = await invoke(handler, event, context.request);
        if (outcome.ok) return handled(event, context);
        report(outcome.error, 'after-answer', event, context);
        await held.release();
      });
    context.waitUntil?.(work);
    debug('%s: answered OK before running the handler (respond: immediately)', context.label);
  }

  async function runInline(
    handler: InlineHandler<Req>,
    event: RecallEvent,
    context: DeliveryContext<Req>,
    held: Claim & { duplicate: false },
    deadline: number,
  ): Promise<DeliveryOutcome> {
    const running = invoke(handler, event, context.request);
    const outcome = running instanceof Promise ? await settleOrTimeOut(running, deadline) : running;
    if (outcome === TIMED_OUT) {
      debug('%s: handler still running at the deadline: acknowledged with OK', context.label);
      const late = (running as Promise<Outcome>).then(async (settled) => {
        if (settled.ok) return handled(event, context);
        report(settled.error, 'after-answer', event, context);
        await held.release();
      });
      context.waitUntil?.(late);
      return 'ok';
    }
    if (outcome.ok) {
      handled(event, context);
      return 'ok';
    }
    report(outcome.error, 'callback', event, context);
    await held.release();
    throw new CallbackFailedError(outcome.error);
  }

  // Only for a recall the handler ran to success: a skipped duplicate or a queued recall is not "handled" here.
  function handled(event: RecallEvent, context: DeliveryContext<Req>): void {
    // describe() builds a string: only when someone reads it.
    if (debug.enabled) debug('%s: handled %s', context.label, specOf(event).describe(event));
  }

  return { accepts, deliver };
}

function settleOrTimeOut(running: Promise<Outcome>, deadline: number): Promise<Outcome | typeof TIMED_OUT> {
  if (deadline === Infinity) return running;
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
      if (!settled) timer = setTimeout(resolve, Math.max(0, deadline - performance.now()), TIMED_OUT);
    });
  });
}

/** An error's message for a log line: its first line only, so no value in it can forge another line. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return JSON.stringify(text.split('\n', 1)[0]).slice(1, -1);
}
