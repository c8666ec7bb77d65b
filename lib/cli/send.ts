/** `send`: posts one recall callback to a receiver, the way Tencent would (the simulator). */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import Joi from 'joi';
import {
  createC2CRecallEvent,
  createCallbackQuery,
  createGroupRecallEvent,
  createMsgSeqList,
  createOfficialAccountRecallEvent,
  DEMO_SDK_APP_ID,
  type C2CRecallEventOverrides,
  type GroupRecallEventOverrides,
  type OfficialAccountRecallEventOverrides,
} from '../testing/index';
import { MAX_TIMER_MS } from '../delivery/options';
import { timerMs } from '../delivery/options-schema';
import { COMMANDS, isRecallCommand, RECALL_COMMANDS } from '../protocol/commands';
import { TENCENT_DEADLINE_MS } from '../protocol/answers';
import {
  C2C_RECALL_COMMAND,
  GROUP_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  type RecallCommand,
} from '../protocol/types';
import { EXIT_FAILED, EXIT_OK, escapeControl, escapeControlKeepingLines, PROGRAM, UsageError, type CliIo } from './io';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'sdk-app-id': { type: 'string' },
  token: { type: 'string' },
  type: { type: 'string' },
  'group-id': { type: 'string' },
  'topic-id': { type: 'string' },
  seq: { type: 'string' },
  operator: { type: 'string' },
  c2c: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  'official-account': { type: 'string' },
  'msg-key': { type: 'string', multiple: true },
  platform: { type: 'string' },
  body: { type: 'string' },
  timeout: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

type BodyFlag = 'type' | 'group-id' | 'topic-id' | 'seq' | 'operator' | 'from' | 'to' | 'official-account' | 'msg-key';

/** How `send` shapes each command's body: the flag that picks the command, the flags that shape it, its builder. */
interface SendKind {
  /** Absent for the group recall, which is sent when no other kind is picked. */
  readonly pickedBy?: 'c2c' | 'official-account';
  readonly bodyFlags: readonly BodyFlag[];
  build(args: SendArgs): object;
}

const KINDS: { readonly [Command in RecallCommand]: SendKind } = {
  [GROUP_RECALL_COMMAND]: {
    bodyFlags: ['type', 'group-id', 'topic-id', 'seq', 'operator'],
    build: buildGroupRecall,
  },
  [C2C_RECALL_COMMAND]: { pickedBy: 'c2c', bodyFlags: ['from', 'to', 'msg-key'], build: buildC2CRecall },
  [OFFICIAL_ACCOUNT_RECALL_COMMAND]: {
    pickedBy: 'official-account',
    bodyFlags: ['official-account', 'msg-key'],
    build: buildOfficialAccountRecall,
  },
};

const BODY_FLAGS = [...new Set(RECALL_COMMANDS.flatMap((command) => KINDS[command].bodyFlags))];

const msgSeqs = Joi.string()
  .custom((value: string) => {
    const seqs = value.split(',').map((item) => (/^\d+$/.test(item.trim()) ? Number(item) : NaN));
    if (!seqs.every(Number.isSafeInteger)) throw new Error('not a list of MsgSeq');
    return seqs;
  })
  .messages({ 'any.custom': '{{#label}} must be a comma-separated list of non-negative integers, such as 130,131' });

const sendSchema = Joi.object({
  url: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .required()
    .label('<url>')
    .messages({
      'string.uri': '{{#label}} must be an http or https URL',
      'string.uriCustomScheme': '{{#label}} must be an http or https URL',
    }),
  'sdk-app-id': Joi.string()
    .pattern(/^[1-9]\d*$/)
    .default(String(DEMO_SDK_APP_ID))
    .label('--sdk-app-id')
    .messages({ 'string.pattern.base': '{{#label}} must be a positive integer' }),
  token: Joi.string().label('--token'),
  type: Joi.string().label('--type'),
  'group-id': Joi.string().label('--group-id'),
  'topic-id': Joi.string().allow('').label('--topic-id'),
  seq: msgSeqs.label('--seq'),
  operator: Joi.string().allow('').label('--operator'),
  c2c: Joi.boolean().default(false),
  from: Joi.string().label('--from'),
  to: Joi.string().label('--to'),
  'official-account': Joi.string().label('--official-account'),
  'msg-key': Joi.array().items(Joi.string().label('--msg-key')),
  platform: Joi.string().label('--platform'),
  body: Joi.string().label('--body'),
  timeout: timerMs.default(TENCENT_DEADLINE_MS).label('--timeout'),
  'dry-run': Joi.boolean().default(false),
  help: Joi.any().strip(),
}).prefs({ abortEarly: true, errors: { wrap: { label: false } } });

interface SendArgs {
  url: string;
  'sdk-app-id': string;
  token?: string;
  type?: string;
  'group-id'?: string;
  'topic-id'?: string;
  seq?: number[];
  operator?: string;
  c2c: boolean;
  from?: string;
  to?: string;
  'official-account'?: string;
  'msg-key'?: string[];
  platform?: string;
  body?: string;
  timeout: number;
  'dry-run': boolean;
}

/** `send <url> [options]`; usage errors are thrown as `UsageError` (or parseArgs's own). */
export async function send(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout(sendHelp());
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError('send needs the <url> to post to');
  if (positionals.length > 1) throw new UsageError(`send takes one <url>, got also '${positionals[1]}'`);
  return await post(validate({ ...values, url: positionals[0] }), io);
}

function validate(flags: Record<string, unknown>): SendArgs {
  const { error, value } = sendSchema.validate(flags);
  if (error) throw new UsageError(error.message);
  const args = value as SendArgs;
  if (args.body !== undefined) {
    const clash = BODY_FLAGS.find((flag) => args[flag] !== undefined);
    if (clash) throw new UsageError(`--body cannot be combined with --${clash}: the file is the whole body`);
  }
  const kind = KINDS[commandOf(args)];
  const otherKindFlag = BODY_FLAGS.find((flag) => args[flag] !== undefined && !kind.bodyFlags.includes(flag));
  if (otherKindFlag !== undefined) {
    const owners = RECALL_COMMANDS.filter((command) => KINDS[command].bodyFlags.includes(otherKindFlag));
    const shapes = `--${otherKindFlag} shapes a ${owners.map((command) => COMMANDS[command].label).join(' or ')} recall`;
    throw new UsageError(
      kind.pickedBy === undefined
        ? `${shapes}: add ${owners.map((command) => `--${KINDS[command].pickedBy}`).join(' or ')}`
        : `${shapes}: it cannot be combined with --${kind.pickedBy}`,
    );
  }
  if (args.c2c && (args['msg-key']?.length ?? 0) > 1) throw new UsageError('--c2c takes one --msg-key');
  return args;
}

/** The command the flags pick: the group recall unless another kind's flag is given. */
function commandOf(args: SendArgs): RecallCommand {
  const picked = RECALL_COMMANDS.filter((command) => {
    const flag = KINDS[command].pickedBy;
    return flag !== undefined && args[flag] !== undefined && args[flag] !== false;
  });
  if (picked.length > 1) {
    throw new UsageError(
      `${picked.map((command) => `--${KINDS[command].pickedBy}`).join(' and ')} pick different recalls: give one`,
    );
  }
  return picked[0] ?? GROUP_RECALL_COMMAND;
}

interface CallbackRequest {
  url: URL;
  body: Uint8Array | string;
  /** How the curl command passes the body. */
  curlData: string;
}

async function buildRequest(args: SendArgs): Promise<CallbackRequest> {
  const url = new URL(args.url);
  const file =
    args.body === undefined
      ? undefined
      : await readFile(args.body).catch((error: NodeJS.ErrnoException) => {
          throw new UsageError(`--body: cannot read ${args.body}: ${error.code ?? error.message}`);
        });
  const query = createCallbackQuery(args['sdk-app-id'], {
    token: args.token,
    optPlatform: args.platform,
    callbackCommand: file === undefined ? commandOf(args) : (recallCommandIn(file) ?? commandOf(args)),
  });
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  if (file !== undefined) return { url, body: file, curlData: `--data-binary ${shellQuote('@' + args.body)}` };
  const body = JSON.stringify(KINDS[commandOf(args)].build(args));
  return { url, body, curlData: `--data-raw ${shellQuote(body)}` };
}

/** The recall command a --body file names in its CallbackCommand, so that a captured body is replayed as it came. */
function recallCommandIn(file: Buffer): RecallCommand | undefined {
  try {
    const command = (JSON.parse(file.toString('utf8')) as { CallbackCommand?: unknown } | null)?.CallbackCommand;
    return isRecallCommand(command) ? command : undefined;
  } catch {
    // Not JSON: sent as it is, to see how the receiver answers it.
    return undefined;
  }
}

function buildGroupRecall(args: SendArgs): object {
  const overrides: GroupRecallEventOverrides = {};
  if (args.type !== undefined) overrides.Type = args.type;
  if (args['group-id'] !== undefined) overrides.GroupId = args['group-id'];
  if (args['topic-id'] !== undefined) overrides.TopicId = args['topic-id'] || undefined;
  if (args.seq !== undefined) overrides.MsgSeqList = createMsgSeqList(args.seq);
  if (args.operator !== undefined) overrides.Operator_Account = args.operator;
  return createGroupRecallEvent(overrides);
}

function buildC2CRecall(args: SendArgs): object {
  const overrides: C2CRecallEventOverrides = {};
  if (args.from !== undefined) overrides.From_Account = args.from;
  if (args.to !== undefined) overrides.To_Account = args.to;
  if (args['msg-key'] !== undefined) overrides.MsgKey = args['msg-key'][0];
  return createC2CRecallEvent(overrides);
}

function buildOfficialAccountRecall(args: SendArgs): object {
  const overrides: OfficialAccountRecallEventOverrides = { Official_Account: args['official-account'] };
  if (args['msg-key'] !== undefined) overrides.WithdrawMsgList = args['msg-key'].map((msgKey) => ({ MsgKey: msgKey }));
  return createOfficialAccountRecallEvent(overrides);
}

async function post(args: SendArgs, io: CliIo): Promise<number> {
  const request = await buildRequest(args);
  if (args['dry-run']) {
    io.stdout(`curl -sS ${shellQuote(request.url.href)} -H 'Content-Type: application/json' ${request.curlData}`);
    return EXIT_OK;
  }
  io.stdout(prefixLines('> ', `POST ${request.url.href}\n${bodyText(request.body)}`));
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: request.body,
      signal: AbortSignal.timeout(args.timeout),
    });
    text = await response.text();
  } catch (error) {
    io.stderr(`${PROGRAM}: ${escapeControl(networkFailure(error, request.url, args.timeout))}`);
    return EXIT_FAILED;
  }
  // The answer comes from the server: printed line by line, with no control characters.
  const answer = escapeControlKeepingLines(`HTTP ${response.status} ${response.statusText}\n${text.trimEnd()}`);
  io.stdout(prefixLines('< ', answer));
  const failure = answerFailure(response, text);
  if (failure === undefined) return EXIT_OK;
  io.stderr(`${PROGRAM}: ${escapeControl(failure)}`);
  return EXIT_FAILED;
}

function bodyText(body: Uint8Array | string): string {
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8').trimEnd();
}

function prefixLines(prefix: string, text: string): string {
  return text.replace(/^/gm, prefix);
}

/** Why Tencent would count this answer as failed, or `undefined` when it is a success. */
function answerFailure(response: Response, text: string): string | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    const type = response.headers.get('content-type');
    return `the answer is not JSON (HTTP ${response.status}${type ? `, ${type}` : ''})`;
  }
  const { ActionStatus, ErrorInfo } = (answer ?? {}) as { ActionStatus?: unknown; ErrorInfo?: unknown };
  if (ActionStatus === 'FAIL') {
    return `the answer is FAIL (HTTP ${response.status}): ${typeof ErrorInfo === 'string' && ErrorInfo !== '' ? ErrorInfo : 'no ErrorInfo'}`;
  }
  if (ActionStatus !== 'OK') return `the answer has no ActionStatus OK or FAIL (HTTP ${response.status})`;
  if (response.status !== 200)
    return `HTTP ${response.status}: Tencent counts any status but 200 as a failure, even with ActionStatus OK`;
  return undefined;
}

function networkFailure(error: unknown, url: URL, timeoutMs: number): string {
  if ((error as Error).name === 'TimeoutError') {
    return `no answer within ${timeoutMs} ms (Tencent waits ${TENCENT_DEADLINE_MS} ms)`;
  }
  const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
  if (cause?.code === 'ECONNREFUSED')
    return `cannot connect to ${url.host}: connection refused (is the server running?)`;
  return `the request failed: ${cause?.message ?? (error as Error).message}`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function sendHelp(): string {
  const sample = createGroupRecallEvent();
  const c2cSample = createC2CRecallEvent();
  const officialAccountSample = createOfficialAccountRecallEvent();
  const sampleQuery = createCallbackQuery(DEMO_SDK_APP_ID);
  return `Usage: ${PROGRAM} send <url> [options]

Posts one Group.CallbackAfterRecallMsg callback (with --c2c, one C2C.CallbackAfterMsgWithDraw;
with --official-account, one OfficialAccount.CallbackAfterMsgWithDraw) to <url>, your callback URL, the way Tencent would: a POST with Content-Type: application/json,
the query SdkAppid, CallbackCommand, contenttype, ClientIP, OptPlatform (and RequestTime, Sign
with --token) added to <url>, and a JSON body. Prints the request, the HTTP status and the answer.

Options:
  --sdk-app-id N   SdkAppid in the query (default ${DEMO_SDK_APP_ID}, the example server's demo app)
  --token T        sign with the callback token T: RequestTime now, Sign = sha256(T + RequestTime)
  --type T         group type: Community, Public, Private, ChatRoom, AVChatRoom... (default ${sample.Type})
  --group-id G     GroupId (default ${sample.GroupId} for Community, ${createGroupRecallEvent({ Type: 'Public' }).GroupId} otherwise)
  --topic-id T     TopicId (default a topic of the group for Community, none otherwise; '' for none)
  --seq 1,2,3      MsgSeq of each recalled message, comma-separated (default one message)
  --operator A     Operator_Account, the UserID who recalled (default ${sample.Operator_Account})
  --c2c            send a one-to-one recall instead (not with the five group flags above)
  --from A         with --c2c: From_Account, the message's sender (default ${c2cSample.From_Account})
  --to B           with --c2c: To_Account, the message's recipient (default ${c2cSample.To_Account})
  --official-account A
                   send a recall of the Official Account A's messages instead (such as ${officialAccountSample.Official_Account})
  --msg-key K      MsgKey of the recalled message: with --c2c one (default a new one, like ${c2cSample.MsgKey});
                   with --official-account one or more, repeated (default a new one, like ${officialAccountSample.WithdrawMsgList[0]?.MsgKey})
  --platform P     OptPlatform: RESTAPI, Web, Android, iOS, Windows, Mac, iPad... (default ${sampleQuery.OptPlatform})
  --body FILE      send the bytes of FILE as the body (not with the flags that shape the body); the
                   query's CallbackCommand is the file's when it names a recall, else as above
  --timeout MS     give up without an answer after MS milliseconds, at most ${MAX_TIMER_MS} (default ${TENCENT_DEADLINE_MS}, Tencent's deadline)
  --dry-run        print the equivalent curl command instead of sending
  -h, --help       show this help

Exit codes: 0 the answer was HTTP 200 with ActionStatus OK; 1 any other answer, or none; 2 bad usage.

Examples:
  ${PROGRAM} send http://127.0.0.1:3000/tencent-chat/callback
  ${PROGRAM} send https://example.com/im --sdk-app-id 1400123456 --token "$CALLBACK_TOKEN" --type Public --seq 130,131
  ${PROGRAM} send http://127.0.0.1:3000/tencent-chat/callback --c2c --from jared --to Jonh --msg-key 48374_2837546_1557481126
  ${PROGRAM} send http://127.0.0.1:3000/tencent-chat/callback --official-account '@TOA#_123' --msg-key 71_1_1698741698`;
}
