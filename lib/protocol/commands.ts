import { assertC2CRecallBody, toC2CRecallEvent } from './c2c-event';
import { assertRecallBody, toRecallEvent } from './group-event';
import {
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  type AnyRecallEvent,
  type C2CRecallEvent,
  type GroupRecallEvent,
  type RecallEvent,
  type RecallWebhookOptions,
} from './types';
import type { QueryFacts } from './wire';

/**
 * What differs between the callback commands this package handles; the pipeline in core.ts is
 * the same for all of them.
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
  keyFields: (event) => [
    event.groupId,
    event.topicId ?? '',
    event.messages.map((message) => message.msgSeq).sort((a, b) => a - b),
    event.eventTime,
  ],
  describe: (event) => `recall in group ${event.groupId} (${event.messages.length} messages)`,
};

// MsgKey is the message's own unique key (the one admin_msgwithdraw takes), and a message is
// recalled at most once, so the app and MsgKey name one recall.
const c2cRecall: CommandSpec<C2CRecallEvent> = {
  command: C2C_RECALL_COMMAND,
  handlerOption: 'onC2CRecall',
  toEvent(body, query) {
    assertC2CRecallBody(body);
    return toC2CRecallEvent(body, query);
  },
  keyFields: (event) => [event.msgKey],
  describe: (event) => `one-to-one recall ${event.msgKey}`,
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

export type InlineHandler<Req> = (event: RecallEvent, request: Req) => unknown;

/** The user's inline handler for a command, if one was given. */
export function inlineHandler<Req>(
  spec: CommandSpec,
  options: Pick<RecallWebhookOptions<Req>, 'onRecall' | 'onC2CRecall'>,
): InlineHandler<Req> | undefined {
  // Each spec maps only its own events, so its handler only ever sees its own kind.
  return options[spec.handlerOption] as InlineHandler<Req> | undefined;
}
