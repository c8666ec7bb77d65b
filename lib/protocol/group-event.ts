import { GROUP_RECALL_COMMAND, type GroupRecallCallbackBody, type GroupRecallEvent } from './types';
import {
  checkBody,
  isEventTime,
  isNonEmptyString,
  isNonNegativeSafeInteger,
  isPlainArray,
  isPlainObject,
  withQueryFacts,
  type QueryFacts,
} from './wire';

/** Throws an `InvalidBodyError` naming the first field that breaks the event schema. */
export function assertGroupRecallBody(body: object): asserts body is GroupRecallCallbackBody {
  checkBody(
    body,
    isPlainGroupRecallBody,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => (require('./body-schemas') as typeof import('./body-schemas')).groupRecallBodySchema,
  );
}

/**
 * The fast path: true only for a body the schema (body-schemas.ts) accepts, checked without Joi, which costs
 * most of a request's CPU time. It is stricter than the schema (plain objects and arrays only);
 * anything it does not accept goes to Joi, which decides and names the field.
 * __tests__/protocol/event-fast-path.test.ts checks that it never accepts what the schema rejects.
 */
export function isPlainGroupRecallBody(body: object): boolean {
  const fields = body as Record<string, unknown>;
  return (
    isPlainObject(body) &&
    fields.CallbackCommand === GROUP_RECALL_COMMAND &&
    typeof fields.Operator_Account === 'string' &&
    isNonEmptyString(fields.Type) &&
    isNonEmptyString(fields.GroupId) &&
    areRecalledMessages(fields.MsgSeqList) &&
    (fields.TopicId === undefined || typeof fields.TopicId === 'string') &&
    isEventTime(fields.EventTime)
  );
}

function areRecalledMessages(value: unknown): boolean {
  if (!isPlainArray(value) || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const message: unknown = value[i];
    if (!isPlainObject(message)) return false;
    const { MsgSeq, MsgId } = message as Record<string, unknown>;
    if (!isNonNegativeSafeInteger(MsgSeq) || !(MsgId === undefined || typeof MsgId === 'string')) return false;
  }
  return true;
}

/** Maps a validated wire body and the query facts to the camelCase event. */
export function toGroupRecallEvent(body: GroupRecallCallbackBody, query: QueryFacts): GroupRecallEvent {
  const event: GroupRecallEvent = {
    callbackCommand: GROUP_RECALL_COMMAND,
    source: 'webhook',
    sdkAppId: query.sdkAppId,
    operatorAccount: body.Operator_Account,
    groupType: body.Type,
    groupId: body.GroupId,
    messages: body.MsgSeqList.map((message) =>
      message.MsgId === undefined ? { msgSeq: message.MsgSeq } : { msgSeq: message.MsgSeq, msgId: message.MsgId },
    ),
    eventTime: Number(body.EventTime),
    raw: body,
  };
  if (body.TopicId !== undefined) event.topicId = body.TopicId;
  return withQueryFacts(event, query);
}
