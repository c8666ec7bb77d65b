import createDebug from 'debug';
import { createPostgresBackend, ErrorCode, Queue, SchemaMigrationRequiredError, type Job } from 'bullmq';
import type { Cluster } from 'ioredis';
import { commandSpec } from '../protocol/commands';
import type { AnyRecallEvent } from '../protocol/types';

const debug = createDebug('tencent-chat-recall-webhook:dead-letters');

const PAGE_SIZE = 500;

/** What the dead-letter commands need of a BullMQ `Queue`, whatever its backend. */
export interface FailedJobSource {
  getRanges(types: 'failed'[], start?: number, end?: number, asc?: boolean): Promise<string[]>;
  getJob(jobId: string): Promise<Job | undefined>;
}

/**
 * Where the queue lives: a Redis URL (or a connected ioredis `Cluster`, which the caller closes)
 * and the Queue's key `prefix`; or a PostgreSQL connection string and the `schema` of BullMQ's
 * PostgreSQL backend.
 */
export type QueueStore =
  { redis: string | Cluster; prefix?: string | undefined } | { postgres: string; schema?: string | undefined };

/** How often the operator's command tries to reach Redis before it gives up. */
const REDIS_CONNECT_TRIES = 3;

/** ioredis options for a command that fails within seconds when Redis is down. */
export const FAST_FAILING_REDIS = {
  maxRetriesPerRequest: 1,
  retryStrategy: (times: number): number | null => (times >= REDIS_CONNECT_TRIES ? null : 200),
  // After a failed connection, closing arms a timer this long to destroy a socket that is
  // already gone; ioredis's default of 2 s would hold the command's exit for that long.
  disconnectTimeout: 100,
};

/**
 * Opens the queue for the dead-letter commands: one that fails within seconds when the store is
 * down, and that writes nothing by being opened (no queue meta, no schema migration).
 */
export function openQueue(queueName: string, store: QueueStore): Queue {
  const queue =
    'postgres' in store
      ? (new Queue(
          queueName,
          {
            connection: {
              connectionString: store.postgres,
              connectionTimeoutMillis: 5000,
              ...(store.schema !== undefined && { schema: store.schema }),
            },
            skipMetasUpdate: true,
          },
          createPostgresBackend,
        ) as unknown as Queue)
      : new Queue(queueName, {
          connection: typeof store.redis === 'string' ? { url: store.redis, ...FAST_FAILING_REDIS } : store.redis,
          ...(store.prefix !== undefined && { prefix: store.prefix }),
          skipMetasUpdate: true,
        });
  // Each command's rejection carries the failure; the connection's own reports would only repeat it.
  queue.on('error', (error) => debug('queue error: %s', error.message));
  return queue;
}

/**
 * Whether the queue exists: a producer (a receiver's `Queue`) has written its meta, or it holds jobs. A name or prefix
 * (or schema) that does not match the receiver's reads as an empty queue otherwise.
 */
export async function queueExists(queue: Queue): Promise<boolean> {
  try {
    if ((await queue.getVersion()) !== null) return true;
  } catch (error) {
    // No BullMQ tables in that PostgreSQL schema: no queue there either.
    if (error instanceof SchemaMigrationRequiredError) return false;
    throw error;
  }
  const counts = await queue.getJobCounts();
  return Object.values(counts).some((count) => count > 0);
}

/** A job in the failed set, described for an operator. */
export interface FailedRecallJob {
  id: string;
  /** The callback command (the job's name); empty when the job could not be read. */
  command: string;
  /** Which recall: the group and its MsgSeqs, or the one-to-one parties and the MsgKey. */
  recall: string;
  attemptsMade: number;
  /** The last attempt's error message. */
  failedReason: string;
  /** When the job landed in the failed set, in ms since the epoch. */
  failedAt: number | undefined;
  /**
   * Why the job is not the recall its name says (its data is null, or lacks the event's fields),
   * or why it could not be read at all (its stored data is not JSON). Absent for a sound job.
   */
  malformed?: string;
}

/**
 * Every job in the queue's failed set, oldest failure first. A malformed job is listed with what
 * is wrong with it, among the others; a failure to reach the store rejects.
 */
export async function describeFailedJobs(queue: FailedJobSource): Promise<FailedRecallJob[]> {
  const described: FailedRecallJob[] = [];
  for (const id of await allFailedJobIds(queue)) {
    const loaded = await loadJob(queue, id);
    if (loaded === undefined) continue; // removed meanwhile
    if ('unreadable' in loaded) {
      described.push({
        id,
        command: '',
        recall: 'unreadable job',
        attemptsMade: 0,
        failedReason: '',
        failedAt: undefined,
        malformed: loaded.unreadable,
      });
      continue;
    }
    const job = loaded;
    const malformed = malformation(job);
    described.push({
      id,
      command: job.name,
      recall: malformed === undefined ? describeRecall(job) : 'malformed job',
      attemptsMade: job.attemptsMade,
      failedReason: job.failedReason,
      failedAt: job.finishedOn,
      ...(malformed !== undefined && { malformed }),
    });
  }
  return described;
}

export interface RetryOutcome {
  /** The jobs moved back to waiting. */
  retried: string[];
  /** Requested jobs that are not (or no longer) in the failed set. */
  notFailed: string[];
  /** Jobs that could not be read (their stored data is not JSON): left alone. */
  unreadable: string[];
}

/**
 * Moves failed jobs back to waiting with their attempts counted from zero again: the given
 * `jobIds`, or every failed job when none are given. Rejects when the store fails (jobs moved
 * before the failure stay moved).
 */
export async function retryFailedJobs(queue: FailedJobSource, jobIds: readonly string[] = []): Promise<RetryOutcome> {
  const ids = jobIds.length > 0 ? jobIds : await allFailedJobIds(queue);
  const outcome: RetryOutcome = { retried: [], notFailed: [], unreadable: [] };
  for (const id of ids) {
    const job = await loadJob(queue, id);
    if (job !== undefined && 'unreadable' in job) outcome.unreadable.push(id);
    else if (job && (await retryIfFailed(job))) outcome.retried.push(id);
    else outcome.notFailed.push(id);
  }
  debug('retried %d failed jobs; %d were not in the failed set', outcome.retried.length, outcome.notFailed.length);
  return outcome;
}

/** BullMQ's refusals of a job that is not (or no longer) in the failed set. */
const NOT_FAILED_CODES: readonly unknown[] = [ErrorCode.JobNotInState, ErrorCode.JobNotExist];

async function retryIfFailed(job: Job): Promise<boolean> {
  try {
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  } catch (error) {
    if (!NOT_FAILED_CODES.includes((error as { code?: unknown }).code)) throw error;
    debug('job %s was not retried: %s', job.id, (error as Error).message);
    return false;
  }
}

/** The job, `undefined` when it is gone, or why its stored data cannot be parsed. */
async function loadJob(queue: FailedJobSource, id: string): Promise<Job | { unreadable: string } | undefined> {
  try {
    return await queue.getJob(id);
  } catch (error) {
    // BullMQ parses the stored data and options as JSON; anything else is the store failing.
    if (!(error instanceof SyntaxError)) throw error;
    return { unreadable: `its stored data is not JSON (${error.message})` };
  }
}

/** The ids in the failed set, oldest failure first (its score is when the job failed). */
async function allFailedJobIds(queue: FailedJobSource): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; ; start += PAGE_SIZE) {
    const page = await queue.getRanges(['failed'], start, start + PAGE_SIZE - 1, true);
    ids.push(...page);
    if (page.length < PAGE_SIZE) return [...new Set(ids)];
  }
}

/** What is wrong with a recall job's data, or `undefined` when it has its command's event fields. */
function malformation(job: Job): string | undefined {
  const spec = commandSpec(job.name);
  if (spec === undefined) return undefined;
  const data: unknown = job.data;
  if (data === null || typeof data !== 'object') return `its data is ${data === null ? 'null' : typeof data}`;
  const missing = Object.entries(spec.jobFields)
    .filter(([field, usable]) => !usable((data as Record<string, unknown>)[field]))
    .map(([field]) => field);
  return missing.length > 0 ? `its data has no usable ${missing.join(', ')}` : undefined;
}

function describeRecall(job: Job): string {
  return commandSpec(job.name)?.describeJob(job.data as AnyRecallEvent) ?? 'not a recall job';
}
