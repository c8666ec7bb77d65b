import Joi from 'joi';
import { C2C_RECALL_COMMAND, type C2CRecallCallbackBody, type C2CRecallEvent } from './types';
import {
  BODY_PREFERENCES,
  checkBody,
  eventTime,
  isEventTime,
  isNonEmptyString,
  isNonNegativeSafeInteger,
  isPlainObject,
  nonNegativeSafeInteger,
  withQueryFacts,
  type QueryFacts,
} from './wire';

export const c2cBodySchema = Joi.object({
  CallbackCommand: Joi.string().valid(C2C_RECALL_COMMAND).required(),
  From_Account: Joi.string().allow('').required(),
  To_Account: Joi.string().allow('').required(),
  MsgKey: Joi.string().required(),
  UnreadMsgNum: nonNegativeSafeInteger,
  EventTime: eventTime,
})
  .unknown(true)
  .prefs(BODY_PREFERENCES);

/** Throws an `InvalidBodyError` naming the first field that breaks the one-to-one recall schema. */
export function assertC2CRecallBody(body: object): asserts body is C2CRecallCallbackBody {
  checkBody(body, isPlainC2CRecallBody, c2cBodySchema);
}

/** The fast path, as for group recalls: true only for a body the schema above accepts. */
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
