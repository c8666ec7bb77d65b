import {
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  type C2CHistoryMessage,
  type GroupHistoryMessage,
} from '../protocol/types';
import type { ReconciledC2CRecallEvent, ReconciledGroupRecallEvent } from '../protocol/types';
import type { ReconciledConversation } from './types';

/** A group recall read from history: `seq` and `sentSeconds` as the pass read them from `message`. */
export function groupEvent(
  sdkAppId: string,
  group: { groupId: string; topicId?: string },
  message: GroupHistoryMessage,
  seq: number,
  sentSeconds: number,
): ReconciledGroupRecallEvent {
  const event: ReconciledGroupRecallEvent = {
    callbackCommand: RECALL_COMMAND,
    source: 'reconciliation',
    sdkAppId,
    groupId: group.groupId,
    messages: [{ msgSeq: seq }],
    senderAccount: String(message.From_Account ?? ''),
    sentTime: sentSeconds * 1000,
    raw: message,
  };
  if (group.topicId !== undefined) event.topicId = group.topicId;
  return event;
}

export function c2cEvent(
  sdkAppId: string,
  message: C2CHistoryMessage,
  msgKey: string,
  sentSeconds: number,
): ReconciledC2CRecallEvent {
  return {
    callbackCommand: C2C_RECALL_COMMAND,
    source: 'reconciliation',
    sdkAppId,
    fromAccount: String(message.From_Account ?? ''),
    toAccount: String(message.To_Account ?? ''),
    msgKey,
    sentTime: sentSeconds * 1000,
    raw: message,
  };
}

export function describeConversation(conversation: ReconciledConversation): string {
  if (conversation.kind === 'c2c') return `one-to-one ${conversation.account} / ${conversation.peer}`;
  return `group ${conversation.groupId}${conversation.topicId === undefined ? '' : ` topic ${conversation.topicId}`}`;
}

/** The error's message, and its cause's (the delivery wraps a handler's error). */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause === undefined ? error.message : `${error.message}: ${reasonOf(error.cause)}`;
}
