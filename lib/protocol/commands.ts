import { assertC2CRecallBody, toC2CRecallEvent } from './c2c-event';
import { assertRecallBody, toRecallEvent } from './group-event';
import {
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  type AnyRecallEvent,
  type C2CRecallEvent,
  type GroupRecallEvent,
  type RecallEvent,
} from './types';
import type { QueryFacts } from './wire';

/**
 * What differs between the callback commands this package handles; the delivery and the HTTP
 * pipeline are the same for all of them.
 */
export interface CommandSpec<Event extends RecallEvent = RecallEvent> {
  readonly command: Event['callbackCommand'];
  /** The option that holds this command's inline handler. */
  readonly handlerOption: 'onRecall' | 'onC2CRecall';
  /** Validates the body and maps it to the event; throws an `InvalidBodyError` naming the field. */
  toEvent(body: object, query: QueryFacts): Event;
  /**
   * The fields that are the same for every copy of one recall and differ between any two, whether
   * the webhook reported it or reconciliation found it.
   */
  keyFields(event: SameCommand<Event>): unknown[];
  /** Names the recall in debug logs. */
  describe(event: SameCommand<Event>): string;
  /** Names the recall in the `log` option's lines: the command and the fields of its key, quoted. */
  identify(event: SameCommand<Event>): string;
}

/** The events of either source that share `Event`'s command. */
type SameCommand<Event extends RecallEvent> = Extract<AnyRecallEvent, { callbackCommand: Event['callbackCommand'] }>;

const groupRecall: CommandSpec<GroupRecallEvent> = {
  command: RECALL_COMMAND,
  handlerOption: 'onRecall',
  toEvent(body, query) {
    assertRecallBody(body);
    return toRecallEvent(body, query);
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
    `${RECALL_COMMAND} in app ${event.sdkAppId}, group ${JSON.stringify(event.groupId)}` +
    (event.topicId === undefined ? '' : `, topic ${JSON.stringify(event.topicId)}`) +
    `, MsgSeq ${event.messages.map((message) => message.msgSeq).join(', ')}`,
};

// MsgKey (MsgSeq_MsgRandom_MsgTimeStamp) is unique within a conversation only: like
// admin_msgwithdraw, which names a message by From_Account, To_Account and MsgKey, the key takes
// all three. A message is recalled at most once, so they name one recall.
const c2cRecall: CommandSpec<C2CRecallEvent> = {
  command: C2C_RECALL_COMMAND,
  handlerOption: 'onC2CRecall',
  toEvent(body, query) {
    assertC2CRecallBody(body);
    return toC2CRecallEvent(body, query);
  },
  keyFields: (event) => [event.fromAccount, event.toAccount, event.msgKey],
  describe: (event) => `one-to-one recall ${event.msgKey}`,
  identify: (event) =>
    `${C2C_RECALL_COMMAND} in app ${event.sdkAppId}, from ${JSON.stringify(event.fromAccount)} to ${JSON.stringify(event.toAccount)}, MsgKey ${JSON.stringify(event.msgKey)}`,
};

const COMMANDS = new Map<string, CommandSpec>([
  [RECALL_COMMAND, groupRecall as CommandSpec],
  [C2C_RECALL_COMMAND, c2cRecall as CommandSpec],
]);

/** The spec of a `CallbackCommand` this package handles, or `undefined`. */
export function commandSpec(command: string): CommandSpec | undefined {
  return COMMANDS.get(command);
}

/** The spec of this event's command. */
export function specOf(event: AnyRecallEvent): CommandSpec {
  return COMMANDS.get(event.callbackCommand) as CommandSpec;
}
