import createDebug from 'debug';
import { createPostgresBackend, Queue, type Job } from 'bullmq';
import { C2C_RECALL_COMMAND, RECALL_COMMAND, type C2CRecallEvent, type GroupRecallEvent } from '../protocol/types';

const debug = createDebug('tencent-chat-recall-webhook:dead-letters');

const PAGE_SIZE = 500;

/** What the dead-letter commands need of a BullMQ `Queue`, whatever its backend. */
export interface FailedJobSource {
  getFailed(start?: number, end?: number): Promise<Job[]>;
  getJob(jobId: string): Promise<Job | undefined>;
}

/** Where the queue lives: a Redis URL, or a PostgreSQL connection string for BullMQ's PostgreSQL backend. */
export type QueueStore = { redis: string } | { postgres: string };

/** How often the operator's command tries to reach Redis before it gives up. */
const REDIS_CONNECT_TRIES = 3;

/** Opens the queue for the dead-letter commands: one that fails within seconds when the store is down. */
export function openQueue(queueName: string, store: QueueStore): Queue {
  const queue =
    'postgres' in store
      ? (new Queue(
          queueName,
          { connection: { connectionString: store.postgres, connectionTimeoutMillis: 5000 } },
          createPostgresBackend,
        ) as unknown as Queue)
      : new Queue(queueName, {
          connection: {
            url: store.redis,
            maxRetriesPerRequest: 1,
            retryStrategy: (times: number) => (times >= REDIS_CONNECT_TRIES ? null : 200),
            // After a failed connection, closing arms a timer this long to destroy a socket that is
            // already gone; ioredis's default of 2 s would hold the command's exit for that long.
            disconnectTimeout: 100,
          },
        });
  // Each command's rejection carries the failure; the connection's own reports would only repeat it.
  queue.on('error', (error) => debug('queue error: %s', error.message));
  return queue;
}

/** A job in the failed set, described for an operator. */
export interface FailedRecallJob {
  id: string;
  /** The callback command (the job's name). */
  command: string;
  /** Which recall: the group and its MsgSeqs, or the one-to-one parties and the MsgKey. */
  recall: string;
  attemptsMade: number;
  /** The last attempt's error message. */
  failedReason: string;
  /** When the job landed in the failed set, in ms since the epoch. */
  failedAt: number | undefined;
}

/** Every job in the queue's failed set, oldest failure first. */
export async function describeFailedJobs(queue: FailedJobSource): Promise<FailedRecallJob[]> {
  const jobs = await allFailedJobs(queue);
  return jobs.map((job) => ({
    id: String(job.id),
    command: job.name,
    recall: describeRecall(job),
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason,
    failedAt: job.finishedOn,
  }));
}

export interface RetryOutcome {
  /** The jobs moved back to waiting. */
  retried: string[];
  /** Requested jobs that are not (or no longer) in the failed set. */
  notFailed: string[];
}

/**
 * Moves failed jobs back to waiting with their attempts counted from zero again: the given
 * `jobIds`, or every failed job when none are given.
 */
export async function retryFailedJobs(queue: FailedJobSource, jobIds: readonly string[] = []): Promise<RetryOutcome> {
  const jobs =
    jobIds.length > 0
      ? await Promise.all(jobIds.map(async (id) => ({ id, job: await queue.getJob(id) })))
      : (await allFailedJobs(queue)).map((job) => ({ id: String(job.id), job }));
  const outcome: RetryOutcome = { retried: [], notFailed: [] };
  for (const { id, job } of jobs) {
    if (job && (await retryIfFailed(job))) outcome.retried.push(id);
    else outcome.notFailed.push(id);
  }
  debug('retried %d failed jobs; %d were not in the failed set', outcome.retried.length, outcome.notFailed.length);
  return outcome;
}

async function retryIfFailed(job: Job): Promise<boolean> {
  try {
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  } catch (error) {
    // BullMQ refuses a job that is not in the failed set (or was removed meanwhile).
    debug('job %s was not retried: %s', job.id, (error as Error).message);
    return false;
  }
}

async function allFailedJobs(queue: FailedJobSource): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let start = 0; ; start += PAGE_SIZE) {
    const page = await queue.getFailed(start, start + PAGE_SIZE - 1);
    jobs.push(...page.filter(Boolean));
    // A job lands in the failed set with its finishedOn set.
    if (page.length < PAGE_SIZE) return jobs.sort((a, b) => a.finishedOn! - b.finishedOn!);
  }
}

function describeRecall(job: Job): string {
  if (job.name === RECALL_COMMAND) {
    const event = job.data as GroupRecallEvent;
    const topic = event.topicId ? ` topic ${event.topicId}` : '';
    const msgSeqs = event.messages?.map((message) => message.msgSeq).join(',');
    return `group ${event.groupId}${topic} MsgSeqs ${msgSeqs}`;
  }
  if (job.name === C2C_RECALL_COMMAND) {
    const event = job.data as C2CRecallEvent;
    return `one-to-one ${event.fromAccount} -> ${event.toAccount} MsgKey ${event.msgKey}`;
  }
  return 'not a recall job';
}
