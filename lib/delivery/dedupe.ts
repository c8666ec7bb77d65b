import createDebug from 'debug';
import { dedupeKey } from '../protocol/recall-key';
import type { RecallEvent } from '../protocol/types';
import type { DedupeStore } from './types';

const debug = createDebug('tencent-chat-recall-webhook:dedupe');

/** The `dedupe` option after validation and defaults. */
export interface NormalizedDedupe {
  store: DedupeStore;
  ttlMs: number;
  timeoutMs: number;
}

/** The dedupe store did not answer a claim or a release within `dedupe.timeoutMs`. */
export class DedupeStoreTimeoutError extends Error {
  readonly operation: 'claim' | 'release';
  readonly timeoutMs: number;

  constructor(operation: 'claim' | 'release', timeoutMs: number) {
    super(`the dedupe store did not answer ${operation} within ${timeoutMs} ms`);
    this.name = new.target.name;
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/** One delivery's hold on its key, or the news that another copy of this recall already holds it. */
export type Claim =
  | { readonly duplicate: true }
  | {
      readonly duplicate: false;
      /** Gives the key back after the handler failed, so a later copy is processed; never rejects. */
      release(): Promise<void>;
    };

export const UNGUARDED: Claim = Object.freeze({ duplicate: false, release: () => Promise.resolve() });
const DUPLICATE: Claim = Object.freeze({ duplicate: true });

/**
 * Claims the event's key in the store, waiting at most `timeoutMs` or `waitMs`, whichever is
 * shorter. When the store fails or is too
 * slow, the delivery goes ahead unguarded (a possible duplicate beats a lost recall) and
 * `onStoreFailure` is told. `label` names the request in debug lines. Never rejects.
 */
export async function claimDelivery(
  settings: NormalizedDedupe,
  event: RecallEvent,
  waitMs: number,
  onStoreFailure: (error: unknown) => void,
  label: string,
): Promise<Claim> {
  const { store, ttlMs, timeoutMs } = settings;
  const key = dedupeKey(event);
  const claiming = new Promise<boolean>((resolve) => resolve(store.claim(key, ttlMs)));

  function releaseAfter(held: Promise<boolean>): () => Promise<void> {
    return () =>
      within(
        held.then((claimed) => (claimed ? store.release(key) : undefined)),
        timeoutMs,
        'release',
      ).then(
        () => debug('%s: released %s', label, key),
        (error: unknown) => {
          debug('%s: release of %s failed: %O', label, key, error);
          onStoreFailure(error);
        },
      );
  }

  try {
    if (!(await within(claiming, Math.max(0, Math.min(timeoutMs, waitMs)), 'claim'))) {
      debug('%s: duplicate delivery of %s: answered OK without calling the handler', label, key);
      return DUPLICATE;
    }
    return { duplicate: false, release: releaseAfter(claiming) };
  } catch (error) {
    debug('%s: claim of %s failed, processing anyway: %O', label, key, error);
    onStoreFailure(error);
    // A claim that timed out may still land later; the key is released only if it did.
    const heldLater = claiming.catch(() => false);
    return { duplicate: false, release: releaseAfter(heldLater) };
  }
}

function within<T>(work: Promise<T>, timeoutMs: number, operation: 'claim' | 'release'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DedupeStoreTimeoutError(operation, timeoutMs)), timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
