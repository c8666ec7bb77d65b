import createDebug from 'debug';
import { jobDeduplicationId } from './dedupe';
import type { RecallEvent, RecallJobOptions, RecallQueue } from '../protocol/types';

const debug = createDebug('tencent-chat-recall-webhook:queue');

/**
 * The package's job defaults: 15 attempts with exponential backoff from 1 s ride out about
 * 4.5 hours of downstream outage; failed jobs stay in the failed set (dead letters); completed
 * jobs are kept for a day, 10,000 at most.
 */
export const DEFAULT_JOB_OPTIONS = Object.freeze({
  attempts: 15,
  backoff: Object.freeze({ type: 'exponential', delay: 1000 }),
  removeOnComplete: Object.freeze({ age: 24 * 60 * 60, count: 10_000 }),
  removeOnFail: false,
} satisfies RecallJobOptions);

export interface NormalizedQueue {
  queue: RecallQueue;
  /** The package's defaults for the keys the Queue's own `defaultJobOptions` leaves unset. */
  jobOptions: RecallJobOptions;
  deduplicationTtlMs: number;
}

export function normalizeQueue(queue: RecallQueue, deduplicationSeconds: number): NormalizedQueue {
  const own = queue.defaultJobOptions ?? {};
  const jobOptions = Object.fromEntries(
    Object.entries(DEFAULT_JOB_OPTIONS).filter(([name]) => (own as Record<string, unknown>)[name] === undefined),
  ) as RecallJobOptions;
  return { queue, jobOptions, deduplicationTtlMs: deduplicationSeconds * 1000 };
}

/** The queue did not acknowledge the add within what was left of `timeoutMs`. */
export class EnqueueTimeoutError extends Error {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`the queue did not acknowledge the job within ${Math.round(timeoutMs)} ms`);
    this.name = new.target.name;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Adds the recall as one job, named after its command, and resolves once the backend
 * acknowledged it; rejects when the add fails or takes longer than `waitMs`. Copies of one recall
 * share a deduplication id, so they become one job.
 */
export function enqueue(settings: NormalizedQueue, event: RecallEvent, waitMs: number, label: string): Promise<void> {
  const id = jobDeduplicationId(event);
  const options: RecallJobOptions = {
    ...settings.jobOptions,
    deduplication: { id, ttl: settings.deduplicationTtlMs },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new EnqueueTimeoutError(waitMs)), Math.max(0, waitMs));
    new Promise((added) => added(settings.queue.add(event.callbackCommand, event, options))).then(
      () => {
        clearTimeout(timer);
        debug('%s: queued %s as %s', label, event.callbackCommand, id);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
