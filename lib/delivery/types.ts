import type { HandlerOption } from '../protocol/commands';
import type {
  AnyRecallEvent,
  C2C_RECALL_COMMAND,
  GROUP_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  RecallCommand,
  RecallEvent,
  RecallEventOf,
} from '../protocol/types';

// What delivering a recall takes, whoever delivers it: handlers, the dedupe store, the queue, the log.

/** Where a failure reported to `onError` happened. */
export type ErrorStage =
  /** `onRecall` failed before the answer went out; the answer was FAIL. */
  | 'callback'
  /** `onRecall` failed after the answer went out (timeout acknowledgement, or `respond: 'immediately'`). */
  | 'after-answer'
  /** The dedupe store failed or did not answer in time; the event was processed anyway. */
  | 'dedupe'
  /**
   * The queue failed or did not take the recall in time: with a handler for its kind it was
   * processed inline (the fallback), otherwise the answer was 503 FAIL.
   */
  | 'enqueue';

export interface ErrorContext<Req> {
  stage: ErrorStage;
  event: RecallEvent;
  request: Req;
}

/**
 * Where deliveries are remembered, so a copy of a recall that arrives again is not processed twice.
 * `memoryStore()` and `redisStore()` implement it; any object with these two methods will do.
 */
export interface DedupeStore {
  /** Atomically records `key` for `ttlMs` ms; resolves `true` if it was not already recorded, `false` if it was. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets `key`, so a later copy of the event is processed. */
  release(key: string): Promise<void>;
}

export interface DedupeOptions {
  store: DedupeStore;
  /** How long a delivery is remembered, in seconds. Default 86400 (24 h). */
  ttlSeconds?: number | undefined;
  /** How long to wait for the store on each claim and release, in ms, before going on without it. Default 200. */
  timeoutMs?: number | undefined;
}

/** The receiver's handler of one command's recalls. */
export type RecallHandlerOf<Command extends RecallCommand, Req> = (
  event: RecallEventOf<Command>,
  request: Req,
) => unknown;
export type GroupRecallHandler<Req> = RecallHandlerOf<typeof GROUP_RECALL_COMMAND, Req>;
/** The group recall's handler under the name it had before there were other recalls: `GroupRecallHandler`. */
export type RecallHandler<Req> = GroupRecallHandler<Req>;
export type C2CRecallHandler<Req> = RecallHandlerOf<typeof C2C_RECALL_COMMAND, Req>;
export type OfficialAccountRecallHandler<Req> = RecallHandlerOf<typeof OFFICIAL_ACCOUNT_RECALL_COMMAND, Req>;

/**
 * One handler per command, each named by the command table's `handlerOption` (`onRecall` for
 * groups, `onC2CRecall`, `onOfficialAccountRecall`): called once per valid recall of its command,
 * and may return a promise. With `queue`, the fallback when the queue fails.
 */
export type RecallHandlers<Req> = {
  [Command in RecallCommand as HandlerOption<Command>]?: RecallHandlerOf<Command, Req> | undefined;
};

/**
 * Where durable mode stores recalls: a BullMQ `Queue` (Redis or PostgreSQL backend), or any
 * object with the same `add`. A job's name is the event's `callbackCommand`, its data the event.
 */
export interface RecallQueue {
  add(name: string, data: AnyRecallEvent, options?: RecallJobOptions): Promise<unknown>;
  /** The Queue's own job defaults; the package's defaults fill only the keys these leave unset. */
  readonly defaultJobOptions?: object | undefined;
}

/** Which finished jobs to keep, as BullMQ's `KeepJobs` has it: an age in seconds, a count, or both. */
export type KeepJobs = { age: number; count?: number } | { count: number };

/**
 * The job options the receiver passes to `queue.add`: a subset of BullMQ's `JobsOptions`. The
 * package writes them, never the user, and leaves unset fields out rather than `undefined`, so
 * they fit BullMQ's `JobsOptions` under `exactOptionalPropertyTypes` too.
 */
export interface RecallJobOptions {
  attempts?: number;
  backoff?: { type: 'exponential' | 'fixed'; delay: number };
  removeOnComplete?: boolean | number | KeepJobs;
  removeOnFail?: boolean | number | KeepJobs;
  deduplication?: { id: string; ttl?: number };
}

/** Where the package writes what must not go unseen; any of `console`'s shape will do. */
export interface RecallLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
