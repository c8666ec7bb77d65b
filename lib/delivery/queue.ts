import createDebug from 'debug';
import { jobDeduplicationId } from '../protocol/recall-key';
import { TRACE_CONTEXT_FIELD, type TraceCarrier } from '../observability/channels';
import type { RecallEvent } from '../protocol/types';
import type { RecallJobOptions, RecallQueue } from './types';

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

export const DEFAULT_MAX_PENDING_ADDS = 200;

export interface QueueSettings {
  queue: RecallQueue;
  deduplicationSeconds: number;
  commands: ReadonlyArray<RecallEvent['callbackCommand']>;
  maxPendingAdds: number;
}

export interface NormalizedQueue {
  queue: RecallQueue;
  /** The package's defaults for the keys the Queue's own `defaultJobOptions` leaves unset. */
  jobOptions: RecallJobOptions;
  deduplicationTtlMs: number;
  commands: ReadonlySet<string>;
  maxPendingAdds: number;
  /** Adds the backend has not settled yet, those already answered 503 included: each holds its event. */
  pendingAdds: number;
}

export function normalizeQueue(settings: QueueSettings): NormalizedQueue {
  const own = settings.queue.defaultJobOptions ?? {};
  const jobOptions = Object.fromEntries(
    Object.entries(DEFAULT_JOB_OPTIONS).filter(([name]) => (own as Record<string, unknown>)[name] === undefined),
  ) as RecallJobOptions;
  return {
    queue: settings.queue,
    jobOptions,
    deduplicationTtlMs: settings.deduplicationSeconds * 1000,
    commands: new Set(settings.commands),
    maxPendingAdds: settings.maxPendingAdds,
    pendingAdds: 0,
  };
}

/** More adds than `queueMaxPendingAdds` were waiting for the queue's backend: this one was not tried. */
export class EnqueueBackloggedError extends Error {
  readonly pendingAdds: number;

  constructor(pendingAdds: number) {
    super(`${pendingAdds} adds are already waiting for the queue's backend (queueMaxPendingAdds): not added`);
    this.name = new.target.name;
    this.pendingAdds = pendingAdds;
  }
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

/** Who asks for the add: its name in debug lines, and the trace context its job should carry. */
export interface EnqueueContext {
  label: string;
  traceContext?: TraceCarrier | undefined;
}

/**
 * Adds the recall as one job, named after its command, and resolves once the backend
 * acknowledged it; rejects when the add fails, takes longer than `waitMs` (`Infinity`: no limit)
 * or finds `maxPendingAdds` adds already waiting. Copies of one recall share a deduplication id,
 * so they become one job.
 */
export function enqueue(
  settings: NormalizedQueue,
  event: RecallEvent,
  waitMs: number,
  { label, traceContext }: EnqueueContext,
): Promise<void> {
  if (settings.pendingAdds >= settings.maxPendingAdds) {
    return Promise.reject(new EnqueueBackloggedError(settings.pendingAdds));
  }
  const id = jobDeduplicationId(event);
  const options: RecallJobOptions = {
    ...settings.jobOptions,
    deduplication: { id, ttl: settings.deduplicationTtlMs },
  };
  // The id is the event's, so a traced copy and an untraced one still become one job.
  const data = traceContext ? { ...event, [TRACE_CONTEXT_FIELD]: traceContext } : event;
  settings.pendingAdds++;
  return new Promise((resolve, reject) => {
    const timer = Number.isFinite(waitMs)
      ? setTimeout(() => reject(new EnqueueTimeoutError(waitMs)), Math.max(0, waitMs))
      : undefined;
    new Promise((added) => added(settings.queue.add(event.callbackCommand, data, options)))
      .finally(() => settings.pendingAdds--)
      .then(
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
