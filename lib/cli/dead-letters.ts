/** `failed` and `retry`: the dead letters of queue mode (BullMQ's failed set), on Redis or PostgreSQL. */
import { parseArgs } from 'node:util';
import Joi from 'joi';
import type { Cluster } from 'ioredis';
import type { FailedRecallJob, QueueStore, RetryOutcome } from '../durable/dead-letters';
import { escapeControl, EXIT_FAILED, EXIT_OK, PROGRAM, UsageError, type CliIo, type Environment } from './io';

type DeadLetterCommand = 'failed' | 'retry';

/** `failed` exits with this when it listed dead letters, so that a cron job can alert on them. */
export const EXIT_DEAD_LETTERS = 3;

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_PREFIX = 'bull';
const DEFAULT_SCHEMA = 'bullmq';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  queue: { type: 'string' },
  redis: { type: 'string' },
  prefix: { type: 'string' },
  'redis-cluster': { type: 'boolean' },
  postgres: { type: 'string' },
  schema: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const redisUrl = Joi.string()
  .uri({ scheme: ['redis', 'rediss'] })
  .messages({ 'string.uriCustomScheme': '{{#label}} must be a redis:// or rediss:// URL' });
const postgresUrl = Joi.string()
  .uri({ scheme: ['postgres', 'postgresql'] })
  .messages({ 'string.uriCustomScheme': '{{#label}} must be a postgres:// or postgresql:// URL' });

const flagsSchema = Joi.object({
  queue: Joi.string().min(1).required().label('--queue'),
  redis: redisUrl.label('--redis'),
  prefix: Joi.string().min(1).label('--prefix'),
  'redis-cluster': Joi.boolean(),
  postgres: postgresUrl.label('--postgres'),
  schema: Joi.string().min(1).label('--schema'),
  json: Joi.boolean(),
  help: Joi.any().strip(),
})
  .oxor('redis', 'postgres')
  .oxor('postgres', 'prefix')
  .oxor('postgres', 'redis-cluster')
  .oxor('redis', 'schema')
  .oxor('prefix', 'schema')
  .oxor('redis-cluster', 'schema')
  .messages({ 'object.oxor': 'give only one of {{#peersWithLabels}}: they are for different stores' })
  .prefs({ abortEarly: true, errors: { wrap: { label: false, array: false } } });

interface Flags {
  queue: string;
  redis?: string;
  prefix?: string;
  'redis-cluster'?: boolean;
  postgres?: string;
  schema?: string;
  json?: boolean;
}

/** Where the queue is, and how the operator named it (for messages that never print a URL). */
interface Target {
  store: QueueStore;
  /** Which flag or variable gave the URL. */
  source: string;
  description: string;
  cluster: boolean;
}

export function failed(argv: readonly string[], io: CliIo): Promise<number> {
  return deadLetterCommand('failed', argv, io);
}

export function retry(argv: readonly string[], io: CliIo): Promise<number> {
  return deadLetterCommand('retry', argv, io);
}

async function deadLetterCommand(command: DeadLetterCommand, argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals: jobIds } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout(deadLetterHelp(command));
    return EXIT_OK;
  }
  const { error, value } = flagsSchema.validate(values);
  if (error) throw new UsageError(`${command}: ${error.message}`, command);
  const flags = value as Flags;
  if (command === 'failed' && jobIds.length > 0) {
    throw new UsageError(`failed takes no operands, got '${jobIds[0]}'`, command);
  }
  if (command === 'retry' && flags.json) throw new UsageError('retry: --json is for failed', command);
  const target = resolveTarget(command, flags, io.env ?? process.env);

  const deadLetters = loadDeadLetters();
  if (!deadLetters) {
    io.stderr(
      `${PROGRAM}: ${command} needs the bullmq package, an optional peer dependency: ` +
        `npm install bullmq ioredis (or bullmq pg for --postgres)`,
    );
    return EXIT_FAILED;
  }
  const cluster =
    target.cluster && 'redis' in target.store
      ? connectCluster(target.store.redis as string, deadLetters.FAST_FAILING_REDIS)
      : undefined;
  const store = cluster ? { ...target.store, redis: cluster } : target.store;
  const queue = deadLetters.openQueue(flags.queue, store);
  try {
    if (!(await deadLetters.queueExists(queue))) {
      io.stderr(
        `${PROGRAM}: no queue '${escapeControl(flags.queue)}' ${target.description} (${target.source}): ` +
          `check --queue and ${'postgres' in target.store ? '--schema' : '--prefix'} against the receiver's Queue`,
      );
      return EXIT_FAILED;
    }
    if (command === 'failed') {
      const jobs = await deadLetters.describeFailedJobs(queue);
      if (flags.json) io.stdout(JSON.stringify({ queue: flags.queue, failed: jobs }));
      else printFailedJobs(flags.queue, jobs, io);
      return jobs.length === 0 ? EXIT_OK : EXIT_DEAD_LETTERS;
    }
    return printRetried(await deadLetters.retryFailedJobs(queue, jobIds), io);
  } catch (failure) {
    io.stderr(
      `${PROGRAM}: cannot reach queue '${escapeControl(flags.queue)}': ${escapeControl((failure as Error).message)}`,
    );
    return EXIT_FAILED;
  } finally {
    await closeQueue(queue, io);
    cluster?.disconnect();
  }
}

/**
 * The store from the flags, else from REDIS_URL, else from DATABASE_URL (PostgreSQL), else the
 * local Redis. `--prefix` or `--redis-cluster` ask for Redis, `--schema` for PostgreSQL.
 */
function resolveTarget(command: DeadLetterCommand, flags: Flags, env: Environment): Target {
  const fromEnv = (name: string, schema: Joi.StringSchema): { url: string; source: string } | undefined => {
    const url = env[name];
    if (url === undefined || url === '') return undefined;
    const { error } = schema.label(name).validate(url, { errors: { wrap: { label: false } } });
    if (error) throw new UsageError(`${command}: ${error.message}`, command);
    return { url, source: name };
  };
  const flagged = (url: string | undefined, source: string) => (url === undefined ? undefined : { url, source });
  const kind =
    flags.postgres !== undefined || flags.schema !== undefined
      ? 'postgres'
      : flags.redis !== undefined || flags.prefix !== undefined || flags['redis-cluster'] === true || env.REDIS_URL
        ? 'redis'
        : env.DATABASE_URL
          ? 'postgres'
          : 'redis';
  if (kind === 'postgres') {
    const postgres = flagged(flags.postgres, '--postgres') ?? fromEnv('DATABASE_URL', postgresUrl);
    if (!postgres) throw new UsageError(`${command}: --schema needs --postgres URL or DATABASE_URL`, command);
    const schema = flags.schema ?? DEFAULT_SCHEMA;
    return {
      store: { postgres: postgres.url, schema },
      source: postgres.source,
      description: `in PostgreSQL schema '${escapeControl(schema)}'`,
      cluster: false,
    };
  }
  const redis = flagged(flags.redis, '--redis') ??
    fromEnv('REDIS_URL', redisUrl) ?? { url: DEFAULT_REDIS_URL, source: 'the default Redis' };
  const prefix = flags.prefix ?? DEFAULT_PREFIX;
  const cluster = flags['redis-cluster'] === true;
  if (cluster && !/\{[^}]+\}/.test(`${prefix}:${flags.queue}`)) {
    throw new UsageError(
      `${command}: in a Redis Cluster a queue's keys must share one hash slot: give the hash-tagged --prefix ` +
        `the receiver's Queue uses, such as '{bull}'`,
      command,
    );
  }
  return {
    store: { redis: redis.url, prefix },
    source: redis.source,
    description: `in ${cluster ? 'the Redis Cluster' : 'Redis'} with prefix '${escapeControl(prefix)}'`,
    cluster,
  };
}

/**
 * bullmq is an optional peer dependency: only the commands that open a queue (the dead-letter ones,
 * reconcile with --queue) load it, so the others work without it. `undefined` when it is not installed.
 */
export function loadDeadLetters(): typeof import('../durable/dead-letters') | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../durable/dead-letters') as typeof import('../durable/dead-letters');
  } catch (error) {
    const missing = error as NodeJS.ErrnoException;
    if (missing.code === 'MODULE_NOT_FOUND' && /'bullmq'/.test(missing.message)) return undefined;
    throw error;
  }
}

/**
 * How long a command waits for its queue to close. Closing a Redis queue sends QUIT and waits for the answer,
 * which a store that still answers gives within milliseconds even under load; one that froze after
 * connecting (a stopped process, a network that drops packets) never answers, and the command would
 * never exit. 5 s leaves a slow store ample time yet keeps a cron job from hanging.
 */
export const QUEUE_CLOSE_TIMEOUT_MS = 5000;

/** What closing needs of a BullMQ `Queue`. */
export interface ClosableQueue {
  readonly name: string;
  close(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Closes the queue; when it has not closed within `QUEUE_CLOSE_TIMEOUT_MS`, drops its connection
 * instead (ioredis destroys the socket after its `disconnectTimeout`) and says so on stderr, so
 * that the command exits.
 */
export async function closeQueue(queue: ClosableQueue, io: CliIo): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(resolve, QUEUE_CLOSE_TIMEOUT_MS, 'timed out');
  });
  const closing = queue.close().then(
    () => 'closed' as const,
    () => 'closed' as const,
  );
  const outcome = await Promise.race([closing, timedOut]);
  clearTimeout(timer);
  if (outcome === 'closed') return;
  io.stderr(
    `${PROGRAM}: queue '${escapeControl(queue.name)}' did not close within ${QUEUE_CLOSE_TIMEOUT_MS / 1000} s ` +
      `(its store does not answer): dropped the connection`,
  );
  await queue.disconnect().catch(() => undefined);
}

/** A Redis Cluster reached through the node at `url`: ioredis learns the others and follows redirections. */
function connectCluster(url: string, redisOptions: object): Cluster {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Cluster: RedisCluster } = require('ioredis') as typeof import('ioredis');
  const { hostname, port, username, password, protocol } = new URL(url);
  return new RedisCluster([{ host: hostname, port: Number(port || 6379) }], {
    clusterRetryStrategy: () => null,
    redisOptions: {
      ...redisOptions,
      ...(username && { username: decodeURIComponent(username) }),
      ...(password && { password: decodeURIComponent(password) }),
      ...(protocol === 'rediss:' && { tls: {} }),
    },
  });
}

function printFailedJobs(queueName: string, jobs: readonly FailedRecallJob[], io: CliIo): void {
  const queue = escapeControl(queueName);
  if (jobs.length === 0) {
    io.stdout(`No failed jobs in queue '${queue}'.`);
    return;
  }
  io.stdout(`${jobs.length} failed job${jobs.length === 1 ? '' : 's'} in queue '${queue}':`);
  for (const job of jobs) {
    const command = job.command === '' ? '' : ` (${escapeControl(job.command)})`;
    const malformed = job.malformed === undefined ? '' : `: ${escapeControl(job.malformed)}`;
    const failedAt = job.failedAt === undefined ? '' : `, failed at ${new Date(job.failedAt).toISOString()}`;
    io.stdout(
      `job ${escapeControl(job.id)}: ${escapeControl(job.recall)}${command}${malformed}, ` +
        `${job.attemptsMade} attempts${failedAt}`,
    );
    io.stdout(`  last error: ${escapeControl(job.failedReason) || '(none recorded)'}`);
  }
  const malformed = jobs.filter((job) => job.malformed !== undefined).map((job) => escapeControl(job.id));
  if (malformed.length > 0)
    io.stderr(`${PROGRAM}: malformed failed jobs, listed with what is wrong: ${malformed.join(', ')}`);
}

function printRetried(outcome: RetryOutcome, io: CliIo): number {
  const count = outcome.retried.length;
  io.stdout(`Moved ${count} failed job${count === 1 ? '' : 's'} back to waiting.`);
  const problems = [
    outcome.notFailed.length > 0 &&
      `not in the failed set, left alone: ${outcome.notFailed.map(escapeControl).join(', ')}`,
    outcome.unreadable.length > 0 && `unreadable, left alone: ${outcome.unreadable.map(escapeControl).join(', ')}`,
  ].filter((problem): problem is string => typeof problem === 'string');
  for (const problem of problems) io.stderr(`${PROGRAM}: ${problem}`);
  return problems.length === 0 ? EXIT_OK : EXIT_FAILED;
}

const CONNECTION_HELP = `Connection (the same store, prefix or schema as the receiver's Queue):
  --redis URL        the queue's Redis, redis:// or rediss://
  --prefix P         the Queue's key prefix in Redis (default ${DEFAULT_PREFIX})
  --redis-cluster    URL is one node of a Redis Cluster; needs a hash-tagged prefix such as '{bull}'
  --postgres URL     the queue's PostgreSQL, for BullMQ's PostgreSQL backend, instead of Redis
  --schema S         the PostgreSQL schema of BullMQ's tables (default ${DEFAULT_SCHEMA})
  Without --redis or --postgres: $REDIS_URL, else $DATABASE_URL (PostgreSQL), else ${DEFAULT_REDIS_URL}.
  Reading writes nothing; a queue that does not exist there is an error (exit 1).`;

function deadLetterHelp(command: DeadLetterCommand): string {
  const usage = `${PROGRAM} ${command} --queue NAME [--redis URL [--prefix P] | --postgres URL [--schema S]]`;
  const what =
    command === 'failed'
      ? `Usage: ${usage} [--json]

Lists the recall jobs in the queue's failed set (dead letters: jobs that used up their attempts):
job id, the group and MsgSeqs (or the one-to-one parties and MsgKey), attempts, last error.
A malformed job is listed among the others with what is wrong with it.`
      : `Usage: ${usage} [JOB_ID...]

Moves failed recall jobs back to waiting, their attempts counted from zero again: the given
JOB_IDs, or every failed job when none is given. Prints how many were moved.`;
  const options =
    command === 'failed'
      ? `  --json           print {"queue": NAME, "failed": [{id, command, recall, attemptsMade, failedReason,
                   failedAt, malformed?}...]} on one line instead
  -h, --help       show this help`
      : '  -h, --help       show this help';
  const exitCodes =
    command === 'failed'
      ? `0 no dead letters; ${EXIT_DEAD_LETTERS} dead letters listed (a cron job can alert on any exit but 0);
1 the queue could not be read, or does not exist; 2 bad usage.`
      : '0 all moved; 1 a JOB_ID was not in the failed set, or the queue could not be reached; 2 bad usage.';
  return `${what}

Options:
  --queue NAME     the BullMQ queue the receiver's queue option adds to (required)
${options}

${CONNECTION_HELP}

Exit codes: ${exitCodes}

Examples:
  ${PROGRAM} failed --queue tencent-chat-recalls --redis redis://127.0.0.1:6379 --prefix myapp
  ${PROGRAM} retry --queue tencent-chat-recalls --postgres postgres://app@db/app 17 18`;
}
