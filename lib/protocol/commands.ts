import { assertC2CRecallBody, toC2CRecallEvent } from './c2c-event';
import { assertGroupRecallBody, toGroupRecallEvent } from './group-event';
import { assertOfficialAccountRecallBody, toOfficialAccountRecallEvent } from './official-account-event';
import {
  C2C_RECALL_COMMAND,
  GROUP_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  type AnyRecallEvent,
  type AnyRecallEventOf,
  type RecallCommand,
  type RecallEventOf,
} from './types';
import { isPlainArray, type QueryFacts } from './wire';

/**
 * What differs between the callback commands this package handles: `COMMANDS` below holds one per
 * command, and everything per command (handler options and their checks, the default queue
 * commands, the worker's and the dead letters' tables, the testing kit, the CLI) derives from it.
 */
export interface CommandSpec<Command extends RecallCommand = RecallCommand> {
  readonly command: Command;
  /** The option that holds this command's handler: the receiver's, the worker's and the reconciler's. */
  readonly handlerOption: string;
  /** What the recall is called in summaries and messages: `group`, `one-to-one`, … */
  readonly label: string;
  /** Validates the body and maps it to the event; throws an `InvalidBodyError` naming the field. */
  toEvent(body: object, query: QueryFacts): RecallEventOf<Command>;
  /**
   * The fields that are the same for every copy of one recall and differ between any two, whether
   * the webhook reported it or reconciliation found it.
   */
  keyFields(event: AnyRecallEventOf<Command>): unknown[];
  /** Names the recall in debug logs. */
  describe(event: AnyRecallEventOf<Command>): string;
  /** Names the recall in the `log` option's lines: the command and the fields of its key, quoted. */
  identify(event: AnyRecallEventOf<Command>): string;
  /** The event fields a queued job's data must have, each with what makes it usable (dead letters). */
  readonly jobFields: Readonly<Record<string, (value: unknown) => boolean>>;
  /** A dead letter's recall in one line; its data has the `jobFields`, of any shape inside. */
  describeJob(event: AnyRecallEventOf<Command>): string;
}

const isPresent = (value: unknown): boolean => value !== undefined && value !== null;

/** The values of one field of each item of a job's list, whatever the items turned out to be. */
function fieldOfEach(list: readonly unknown[], field: string): unknown[] {
  return list.map((item) => (item as Record<string, unknown> | null)?.[field]);
}

const groupRecall = {
  command: GROUP_RECALL_COMMAND,
  handlerOption: 'onRecall',
  label: 'group',
  toEvent(body, query) {
    assertGroupRecallBody(body);
    return toGroupRecallEvent(body, query);
  },
  // A message is recalled at most once, so its group, topic and MsgSeq name its recall; the
  // reconciler, which cannot know when a message was recalled, makes the same key from history.
  keyFields: (event) => [
    event.groupId,
    event.topicId ?? '',
    event.messages.map((message) => message.msgSeq).sort((a, b) => a - b),
  ],
  describe: (event) => `recall in group ${event.groupId} (${event.messages.length} messages)`,
  identify: (event) =>
    `${GROUP_RECALL_COMMAND} in app ${event.sdkAppId}, group ${JSON.stringify(event.groupId)}` +
    (event.topicId === undefined ? '' : `, topic ${JSON.stringify(event.topicId)}`) +
    `, MsgSeq ${event.messages.map((message) => message.msgSeq).join(', ')}`,
  jobFields: { groupId: isPresent, messages: isPlainArray },
  describeJob: (event) =>
    `group ${event.groupId}${event.topicId ? ` topic ${event.topicId}` : ''} MsgSeqs ${fieldOfEach(event.messages, 'msgSeq').join(',')}`,
} as const satisfies CommandSpec<typeof GROUP_RECALL_COMMAND>;

// MsgKey (MsgSeq_MsgRandom_MsgTimeStamp) is unique within a conversation only: like
// admin_msgwithdraw, which names a message by From_Account, To_Account and MsgKey, the key takes
// all three. A message is recalled at most once, so they name one recall.
const c2cRecall = {
  command: C2C_RECALL_COMMAND,
  handlerOption: 'onC2CRecall',
  label: 'one-to-one',
  toEvent(body, query) {
    assertC2CRecallBody(body);
    return toC2CRecallEvent(body, query);
  },
  keyFields: (event) => [event.fromAccount, event.toAccount, event.msgKey],
  describe: (event) => `one-to-one recall ${event.msgKey}`,
  identify: (event) =>
    `${C2C_RECALL_COMMAND} in app ${event.sdkAppId}, from ${JSON.stringify(event.fromAccount)} to ${JSON.stringify(event.toAccount)}, MsgKey ${JSON.stringify(event.msgKey)}`,
  jobFields: { fromAccount: isPresent, toAccount: isPresent, msgKey: isPresent },
  describeJob: (event) => `one-to-one ${event.fromAccount} -> ${event.toAccount} MsgKey ${event.msgKey}`,
} as const satisfies CommandSpec<typeof C2C_RECALL_COMMAND>;

// An Official Account's MsgKey (Seq_1_ServerTime, Seq numbering the account's messages) is unique
// within the account: with the account it names a message. One webhook may recall several.
const officialAccountRecall = {
  command: OFFICIAL_ACCOUNT_RECALL_COMMAND,
  handlerOption: 'onOfficialAccountRecall',
  label: 'Official Account',
  toEvent(body, query) {
    assertOfficialAccountRecallBody(body);
    return toOfficialAccountRecallEvent(body, query);
  },
  keyFields: (event) => [event.officialAccount, event.messages.map((message) => message.msgKey).sort()],
  describe: (event) => `recall in Official Account ${event.officialAccount} (${event.messages.length} messages)`,
  identify: (event) =>
    `${OFFICIAL_ACCOUNT_RECALL_COMMAND} in app ${event.sdkAppId}, Official Account ${JSON.stringify(event.officialAccount)}, MsgKey ${event.messages.map((message) => JSON.stringify(message.msgKey)).join(', ')}`,
  jobFields: { officialAccount: isPresent, messages: isPlainArray },
  describeJob: (event) =>
    `Official Account ${event.officialAccount} MsgKeys ${fieldOfEach(event.messages, 'msgKey').join(',')}`,
} as const satisfies CommandSpec<typeof OFFICIAL_ACCOUNT_RECALL_COMMAND>;

/**
 * The table: one spec per command of the `RecallEvent` union. A command added to the union and not
 * here fails to compile, and so does every table elsewhere typed by `RecallCommand`.
 */
export const COMMANDS = {
  [GROUP_RECALL_COMMAND]: groupRecall,
  [C2C_RECALL_COMMAND]: c2cRecall,
  [OFFICIAL_ACCOUNT_RECALL_COMMAND]: officialAccountRecall,
} as const satisfies { readonly [Command in RecallCommand]: CommandSpec<Command> };

/** Every recall command, in the table's order. */
export const RECALL_COMMANDS: readonly RecallCommand[] = Object.freeze(Object.keys(COMMANDS) as RecallCommand[]);

/** The option that holds one command's handler (all of them when `Command` is left out). */
export type HandlerOption<Command extends RecallCommand = RecallCommand> = (typeof COMMANDS)[Command]['handlerOption'];

/** The command whose handler an option holds. */
export type CommandOf<Option extends HandlerOption> = {
  [Command in RecallCommand]: HandlerOption<Command> extends Option ? Command : never;
}[RecallCommand];

/** Every handler option, in the table's order. */
export const HANDLER_OPTIONS: readonly HandlerOption[] = Object.freeze(
  RECALL_COMMANDS.map((command) => COMMANDS[command].handlerOption),
);

/** True for a `CallbackCommand` this package handles. */
export function isRecallCommand(command: unknown): command is RecallCommand {
  return typeof command === 'string' && Object.hasOwn(COMMANDS, command);
}

/** The spec of a `CallbackCommand` this package handles, or `undefined`. */
export function commandSpec(command: string): CommandSpec | undefined {
  return isRecallCommand(command) ? (COMMANDS[command] as CommandSpec) : undefined;
}

/** The spec of this event's command. */
export function specOf(event: AnyRecallEvent): CommandSpec {
  return COMMANDS[event.callbackCommand] as CommandSpec;
}
