import { C2C_RECALL_COMMAND, type C2CRecallCallbackBody, type C2CRecallEvent } from './types';
import {
  checkBody,
  isEventTime,
  isNonEmptyString,
  isNonNegativeSafeInteger,
  isPlainObject,
  withQueryFacts,
  type QueryFacts,
} from './wire';

/** Throws an `InvalidBodyError` naming the first field that breaks the one-to-one recall schema. */
export function assertC2CRecallBody(body: object): asserts body is C2CRecallCallbackBody {
  checkBody(
    body,
    isPlainC2CRecallBody,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => (require('./body-schemas') as typeof import('./body-schemas')).c2cRecallBodySchema,
  );
}

/** The fast path, as for group recalls: true only for a body the schema (body-schemas.ts) accepts. */
export function isPlainC2CRecallBody(body: object): boolean {
  const fields = body as Record<string, unknown>;
  return (
    isPlainObject(body) &&
    fields.CallbackCommand === C2C_RECALL_COMMAND &&
    typeof fields.From_Account === 'string' &&
    typeof fields.To_Account === 'string' &&
    isNonEmptyString(fields.MsgKey) &&
    (fields.UnreadMsgNum === undefined || isNonNegativeSafeInteger(fields.UnreadMsgNum)) &&
    (fields.EventTime === undefined || isEventTime(fields.EventTime))
  );
}

/** Maps a validated wire body and the query facts to the camelCase event. */
export function toC2CRecallEvent(body: C2CRecallCallbackBody, query: QueryFacts): C2CRecallEvent {
  const event: C2CRecallEvent = {
    callbackCommand: C2C_RECALL_COMMAND,
    source: 'webhook',
    sdkAppId: query.sdkAppId,
    fromAccount: body.From_Account,
    toAccount: body.To_Account,
    msgKey: body.MsgKey,
    raw: body,
  };
  if (body.UnreadMsgNum !== undefined) event.unreadMsgNum = body.UnreadMsgNum;
  if (body.EventTime !== undefined) event.eventTime = Number(body.EventTime);
  return withQueryFacts(event, query);
}
