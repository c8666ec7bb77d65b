import { parseArgs } from 'node:util';
import Joi from 'joi';
import ms from 'ms';
import type { QueueStore } from '../durable/dead-letters';
import type { RecallQueue } from '../delivery/types';
import { C2C_RECALL_COMMAND } from '../protocol/types';
import { COMMANDS } from '../protocol/commands';
import { RECONCILE_HANDLER_OPTIONS, RECONCILED_COMMANDS, RECONCILED_KINDS } from '../reconcile/kinds';
import { createChatApiClient, DEFAULT_CHAT_API_BASE_URL } from '../reconcile/chat-api-client';
import {
  DEFAULT_RECALL_TIME_LIMIT_SECONDS,
  reconcileRecalls,
  type ConversationToReconcile,
  type FoundRecall,
  type GroupToReconcile,
  type ReconcileFailure,
  type ReconcileReport,
} from '../reconcile/reconcile';
import { closeQueue, loadDeadLetters, type ClosableQueue } from './dead-letters';
import { escapeControl, EXIT_FAILED, EXIT_OK, EXIT_USAGE, PROGRAM, type CliIo } from './io';

/** The only place the secret key is read from: never a flag, which would land in shell history and `ps`. */
export const SECRET_KEY_VARIABLE = 'TENCENT_CHAT_SECRET_KEY';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'base-url': { type: 'string' },
  'sdk-app-id': { type: 'string' },
  identifier: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  group: { type: 'string', multiple: true },
  c2c: { type: 'string', multiple: true },
  'recall-time-limit': { type: 'string' },
  'max-calls-per-second': { type: 'string' },
  queue: { type: 'string' },
  redis: { type: 'string' },
  postgres: { type: 'string' },
} as const;

const EPOCH_MS = /^\d{13}$/;
const DURATION = /^\d+(\.\d+)?\s*[a-z]+$/i;
const DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * A time, read one way only: epoch milliseconds (13 digits), a duration before now with its unit
 * (`2h`, `30m`, `1d`), or an ISO date (`2026-12-01T08:00:00Z`). A bare number of another length
 * is neither: it is refused, not guessed.
 */
function pointInTime(now: number) {
  return Joi.string()
    .custom((value: string) => {
      const text = value.trim();
      if (EPOCH_MS.test(text)) return new Date(Number(text));
      if (DURATION.test(text)) {
        const before = ms(text as ms.StringValue);
        if (typeof before === 'number' && Number.isFinite(before)) return new Date(now - before);
      } else if (DATE.test(text)) {
        const date = Date.parse(text);
        if (!Number.isNaN(date)) return new Date(date);
      }
      throw new Error('not a time');
    })
    .messages({
      'any.custom':
        '{{#label}} must be a duration before now (2h, 30m, 1d), a date (2026-12-01T08:00:00Z) or epoch milliseconds (13 digits)',
    });
}

function argumentsSchema(now: number) {
  return Joi.object({
    'base-url': Joi.string()
      .uri({ scheme: ['http', 'https'] })
      .required()
      .label('--base-url'),
    'sdk-app-id': Joi.string()
      .pattern(/^[1-9]\d*$/)
      .required()
      .label('--sdk-app-id')
      .messages({ 'string.pattern.base': '{{#label}} must be a positive integer' }),
    identifier: Joi.string().min(1).default('administrator').label('--identifier'),
    since: pointInTime(now).required().label('--since'),
    until: pointInTime(now).label('--until'),
    group: Joi.array().items(Joi.string().min(1)).default([]).label('--group'),
    c2c: Joi.array()
      .items(
        Joi.string()
          .pattern(/^[^:]+:[^:]+$/)
          .messages({ 'string.pattern.base': '{{#label}} must be ACCOUNT:PEER' }),
      )
      .default([])
      .label('--c2c'),
    'recall-time-limit': Joi.number()
      .integer()
      .min(0)
      .default(DEFAULT_RECALL_TIME_LIMIT_SECONDS)
      .label('--recall-time-limit'),
    'max-calls-per-second': Joi.number().positive().label('--max-calls-per-second'),
    queue: Joi.string().min(1).label('--queue'),
    redis: Joi.string()
      .uri({ scheme: ['redis', 'rediss'] })
      .label('--redis'),
    postgres: Joi.string()
      .uri({ scheme: ['postgres', 'postgresql'] })
      .label('--postgres'),
    help: Joi.any().strip(),
  })
    .oxor('redis', 'postgres')
    .with('redis', 'queue')
    .with('postgres', 'queue')
    .messages({ 'object.oxor': 'give --redis or --postgres, not both', 'object.with': '{{#main}} needs --queue' })
    .prefs({ abortEarly: true, convert: true, errors: { wrap: { label: false } } });
}

interface ReconcileArgs {
  'base-url': string;
  'sdk-app-id': string;
  identifier: string;
  since: Date;
  until?: Date;
  group: string[];
  c2c: string[];
  'recall-time-limit': number;
  'max-calls-per-second'?: number;
  queue?: string;
  redis?: string;
  postgres?: string;
}

/**
 * `reconcile`: one reconciliation pass from the command line. Prints each recall found (and
 * queues it with `--queue`), then a summary. Exit 0 when every conversation was read and every
 * recall delivered, 1 otherwise, 2 on bad usage or without the secret key in the environment.
 */
export async function runReconcile(argv: readonly string[], io: CliIo): Promise<number> {
  let args: ReconcileArgs;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout(reconcileHelp());
      return EXIT_OK;
    }
    if (positionals.length > 0) return usage(io, `reconcile takes no operands, got '${positionals[0]}'`);
    const now = Date.now();
    const { error, value } = argumentsSchema(now).validate(values);
    if (error) return usage(io, error.message);
    args = value as ReconcileArgs;
    const windowProblem = checkWindow(args, now);
    if (windowProblem) return usage(io, windowProblem);
  } catch (error) {
    // parseArgs throws only for flags it does not know or values it cannot take.
    return usage(io, (error as Error).message);
  }
  if (args.group.length === 0 && args.c2c.length === 0) return usage(io, 'give at least one --group or --c2c');
  const secretKey = process.env[SECRET_KEY_VARIABLE];
  if (!secretKey) {
    return usage(io, `set the environment variable ${SECRET_KEY_VARIABLE} to the app's secret key (never a flag)`);
  }
  return await reconcile(args, secretKey, io);
}

/** A window the pass would refuse, said as usage: one that starts in the future, or ends before it starts. */
function checkWindow({ since, until }: ReconcileArgs, now: number): string | undefined {
  if (since.getTime() > now) return `--since ${since.toISOString()} is in the future`;
  if (until !== undefined && until.getTime() < since.getTime()) {
    return `--until ${until.toISOString()} is before --since ${since.toISOString()}`;
  }
  return undefined;
}

function usage(io: CliIo, reason: string): number {
  io.stderr(`${PROGRAM} reconcile: ${reason.replace(/\s*\n\s*/g, ' ')}\nRun '${PROGRAM} reconcile --help' for usage.`);
  return EXIT_USAGE;
}

async function reconcile(args: ReconcileArgs, secretKey: string, io: CliIo): Promise<number> {
  const client = createChatApiClient({
    sdkAppId: args['sdk-app-id'],
    secretKey,
    identifier: args.identifier,
    baseUrl: args['base-url'],
    maxCallsPerSecond: args['max-calls-per-second'],
  });
  const queue = args.queue === undefined ? undefined : openQueue(args, io);
  if (queue === null) return EXIT_FAILED;
  let report: ReconcileReport;
  try {
    report = await reconcileRecalls({
      client,
      since: args.since,
      until: args.until,
      groups: args.group.map(toGroup),
      conversations: args.c2c.map(toConversation),
      recallTimeLimitSeconds: args['recall-time-limit'],
      // Without a queue the pass only lists what it found: every handler takes the recalls and drops them.
      ...(queue ? { queue } : Object.fromEntries(RECONCILE_HANDLER_OPTIONS.map((option) => [option, () => undefined]))),
    });
  } finally {
    if (queue) await closeQueue(queue, io);
  }
  // What history returns is other people's text: escaped, so it cannot forge a line or a terminal escape.
  for (const found of report.recalls) io.stdout(escapeControl(describeFound(found)));
  printSummary(report, io);
  return report.failed.length === 0 ? EXIT_OK : EXIT_FAILED;
}

/** A topic's ID is its community's GroupId followed by `@TOPIC#`: `--group` takes either. */
function toGroup(id: string): GroupToReconcile {
  const topic = id.indexOf('@TOPIC#');
  return topic > 0 ? { groupId: id.slice(0, topic), topicId: id } : id;
}

function toConversation(pair: string): ConversationToReconcile {
  const [account, peer] = pair.split(':');
  return { account, peer };
}

/** The queue, or null when bullmq (an optional peer dependency) is not installed. */
function openQueue(args: ReconcileArgs, io: CliIo): (RecallQueue & ClosableQueue) | null {
  const deadLetters = loadDeadLetters();
  if (!deadLetters) {
    io.stderr(
      `${PROGRAM} reconcile: --queue needs the bullmq package, an optional peer dependency: npm install bullmq ioredis`,
    );
    return null;
  }
  const store: QueueStore = args.postgres ? { postgres: args.postgres } : { redis: args.redis ?? DEFAULT_REDIS_URL };
  return deadLetters.openQueue(args.queue as string, store) as unknown as RecallQueue & ClosableQueue;
}

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

function describeFound({ event, outcome }: FoundRecall): string {
  const sent = new Date(event.sentTime).toISOString();
  const what =
    event.callbackCommand === C2C_RECALL_COMMAND
      ? `one-to-one ${event.fromAccount} -> ${event.toAccount} MsgKey ${event.msgKey}`
      : `group ${event.groupId}${event.topicId ? ` topic ${event.topicId}` : ''} MsgSeq ${event.messages[0].msgSeq} from ${event.senderAccount}`;
  const status = outcome === 'ok' ? '' : ` (${outcome === 'duplicate' ? 'already queued' : outcome})`;
  return `recalled: ${what}, sent ${sent}${status}`;
}

/** `3 recalls found (2 group, 1 one-to-one)`, a count per kind reconciliation finds. */
function foundSummary(found: ReconcileReport['found']): string {
  const counts = RECONCILED_COMMANDS.map((command) => ({
    count: found[RECONCILED_KINDS[command].found],
    label: COMMANDS[command].label,
  }));
  const total = counts.reduce((sum, { count }) => sum + count, 0);
  return `${total} recalls found (${counts.map(({ count, label }) => `${count} ${label}`).join(', ')})`;
}

function printSummary(report: ReconcileReport, io: CliIo): void {
  const { scanned, found, calls } = report;
  io.stdout(
    `${foundSummary(found)} in messages sent ` +
      `${report.readFrom.toISOString()} to ${report.until.toISOString()}; read ${scanned.groups} groups and ` +
      `${scanned.conversations} one-to-one conversations in ${calls} calls; ${report.delivered} handed on, ` +
      `${report.duplicates} delivered before` +
      (report.unreadable > 0 ? `; ${report.unreadable} history entries could not be read` : '') +
      '.',
  );
  for (const failure of report.failed) io.stderr(`${PROGRAM} reconcile: ${escapeControl(describeFailure(failure))}`);
}

function describeFailure({ conversation, event, reason }: ReconcileFailure): string {
  const where =
    conversation.kind === 'c2c'
      ? `one-to-one ${conversation.account}:${conversation.peer}`
      : `group ${conversation.topicId ?? conversation.groupId}`;
  return event === undefined ? `${where}: history not read: ${reason}` : `${where}: recall not delivered: ${reason}`;
}

function reconcileHelp(): string {
  return `Usage: ${PROGRAM} reconcile --base-url URL --sdk-app-id ID --since WHEN [options]

Reads the message history of the given groups and one-to-one conversations through Tencent's
REST API and prints every message recalled in the window: the recalls a receiver that was down
never heard of. With --queue, each is also added to the receiver's BullMQ queue as a job, with the
same deduplication id as the webhook's, for createRecallWorker.

The app's secret key is read from the environment variable ${SECRET_KEY_VARIABLE} only.

Options:
  --base-url URL            the REST API's domain for the app's region (${DEFAULT_CHAT_API_BASE_URL} in China)
  --sdk-app-id ID           the app's SDKAppID
  --identifier NAME         an App admin account (default administrator)
  --since WHEN              start of the window: a duration before now (2h, 30m, 1d), a date
                            (2026-12-01T08:00:00Z) or epoch milliseconds (13 digits)
  --until WHEN              end of the window, written the same way (default now)
  --group ID                a GroupId, or a topic's TopicId; repeat for more
  --c2c ACCOUNT:PEER        a one-to-one conversation, read from ACCOUNT's side; repeat for more
  --recall-time-limit S     the app's recall time limit in seconds (default ${DEFAULT_RECALL_TIME_LIMIT_SECONDS}, Tencent's default):
                            messages sent this long before --since are read too
  --max-calls-per-second N  bound on REST calls a second (default the client's, 20)
  --queue NAME              add each recall to this BullMQ queue
  --redis URL               the queue's Redis (default ${DEFAULT_REDIS_URL})
  --postgres URL            the queue's PostgreSQL, for BullMQ's PostgreSQL backend, instead of --redis
  -h, --help                show this help

Exit codes: 0 every conversation read and every recall delivered; 1 something failed (listed on
stderr); 2 bad usage or no ${SECRET_KEY_VARIABLE}.

Examples:
  ${SECRET_KEY_VARIABLE}=... ${PROGRAM} reconcile --base-url https://adminapisgp.im.qcloud.com \\
    --sdk-app-id 1400123456 --since 2h --group @TGS#2J4SZEAEL --c2c alice:bob
  ${PROGRAM} reconcile --base-url https://console.tim.qq.com --sdk-app-id 1400123456 --since 1d \\
    --group @TGS#2J4SZEAEL --queue tencent-chat-recalls --redis redis://127.0.0.1:6379`;
}
