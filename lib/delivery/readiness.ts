import createDebug from 'debug';
import type JoiModule from 'joi';
import { messageOf } from './deliver';
import { MAX_TIMER_MS } from './options';

const debug = createDebug('tencent-chat-recall-webhook:readiness');

/**
 * What the check needs of the receiver's queue: one cheap read that goes to its store. A BullMQ
 * `Queue` on any backend has it (on Redis, one HEXISTS).
 */
export interface ReadinessQueue {
  isPaused(): Promise<unknown>;
}

/** What the check needs of a `startRecallReconciler(...)`: its status in the store, and its interval. */
export interface ReadinessReconciler {
  status(): Promise<{ checkpoint?: Date | undefined }>;
  readonly everyMs: number;
}

export type ReadinessCheckOptions =
  | {
      /** The queue the receiver stores recalls in (its `queue` option). */
      queue: ReadinessQueue;
      /** Not ready when the queue's store has not answered within this many ms. Default 1000. */
      timeoutMs?: number | undefined;
    }
  | {
      /** A scheduled reconciler: not ready when its checkpoint is missing or older than `maxStalenessMs`. */
      reconciler: ReadinessReconciler;
      /** Default 3 × the reconciler's `everyMs`. */
      maxStalenessMs?: number | undefined;
      /** Not ready when the store has not answered within this many ms. Default 1000. */
      timeoutMs?: number | undefined;
    };

export interface Readiness {
  ready: boolean;
  /** Why not, when not ready: the store's error message, which may name its host (for logs, not the public). */
  reason?: string;
}

const DEFAULT_TIMEOUT_MS = 1000;

/** Options Joi would accept as they are, decided without loading it (receivers import this module). */
function isPlainValid(options: unknown): options is ReadinessCheckOptions {
  if (typeof options !== 'object' || options === null || Object.getPrototypeOf(options) !== Object.prototype) {
    return false;
  }
  if ('reconciler' in options) return false;
  const { queue, timeoutMs, ...others } = options as Record<string, unknown>;
  return (
    Object.keys(others).length === 0 &&
    typeof queue === 'object' &&
    queue !== null &&
    typeof (queue as Partial<ReadinessQueue>).isPaused === 'function' &&
    (timeoutMs === undefined ||
      (Number.isSafeInteger(timeoutMs) && (timeoutMs as number) >= 1 && (timeoutMs as number) <= MAX_TIMER_MS))
  );
}

/** Joi decides what the plain check did not accept, and names what is wrong. */
function validateWithJoi(options: unknown): ReadinessCheckOptions {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Joi = require('joi') as typeof JoiModule;
  const timeoutMs = Joi.number().integer().min(1).max(MAX_TIMER_MS);
  const schema = Joi.alternatives()
    .conditional(Joi.object({ reconciler: Joi.exist() }).unknown(), {
      then: Joi.object({
        reconciler: Joi.object({ status: Joi.function().required(), everyMs: Joi.number().integer().min(1).required() })
          .unknown(true)
          .required(),
        maxStalenessMs: Joi.number().integer().min(1),
        timeoutMs,
      }),
      otherwise: Joi.object({
        queue: Joi.object({ isPaused: Joi.function().required() }).unknown(true).required(),
        timeoutMs,
      }),
    })
    .prefs({ errors: { label: 'path' } });
  const { error, value } = schema.validate(options);
  if (error) throw new TypeError(`createReadinessCheck: ${error.message}`);
  return value as ReadinessCheckOptions;
}

const READY: Readiness = Object.freeze({ ready: true });

/**
 * Whether the receiver can store recalls now, for a load balancer's health check: asks the queue's
 * store one read and says not ready when it fails or is slower than `timeoutMs`. Checks that come
 * while one is under way share its answer, so a frozen store is asked once, not once per probe.
 */
export function createReadinessCheck(options: ReadinessCheckOptions): () => Promise<Readiness> {
  const valid = isPlainValid(options) ? options : validateWithJoi(options);
  const timeoutMs = valid.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ask = 'reconciler' in valid ? reconcilerProbe(valid.reconciler, valid.maxStalenessMs) : queueProbe(valid.queue);
  let inFlight: Promise<Readiness> | undefined;

  function probe(): Promise<Readiness> {
    return new Promise<Readiness>((resolve) => {
      const timer = setTimeout(
        () => resolve({ ready: false, reason: `the queue's store did not answer within ${timeoutMs} ms` }),
        timeoutMs,
      );
      new Promise<Readiness>((asked) => asked(ask())).then(
        (readiness) => {
          clearTimeout(timer);
          resolve(readiness);
        },
        (failure: unknown) => {
          clearTimeout(timer);
          resolve({ ready: false, reason: `the queue's store failed: ${messageOf(failure)}` });
        },
      );
    }).then((readiness) => {
      if (!readiness.ready) debug('not ready: %s', readiness.reason);
      return readiness;
    });
  }

  return function checkReadiness(): Promise<Readiness> {
    inFlight ??= probe().finally(() => (inFlight = undefined));
    return inFlight;
  };
}

function queueProbe(queue: ReadinessQueue): () => Promise<Readiness> {
  return async () => {
    await queue.isPaused();
    return READY;
  };
}

/** Ready while the schedule's checkpoint is younger than `maxStalenessMs`: passes are running and finishing. */
function reconcilerProbe(
  reconciler: ReadinessReconciler,
  maxStalenessMs: number | undefined,
): () => Promise<Readiness> {
  const staleAfterMs = maxStalenessMs ?? 3 * reconciler.everyMs;
  return async () => {
    const { checkpoint } = await reconciler.status();
    if (checkpoint === undefined)
      return { ready: false, reason: 'reconciliation has no checkpoint: no pass has finished' };
    const ageMs = Date.now() - checkpoint.getTime();
    if (ageMs <= staleAfterMs) return READY;
    return {
      ready: false,
      reason: `reconciliation's checkpoint is ${Math.round(ageMs / 1000)} s old (more than ${staleAfterMs} ms): passes are not finishing`,
    };
  };
}
