import {
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  type OfficialAccountRecallCallbackBody,
  type OfficialAccountRecallEvent,
} from './types';
import {
  checkBody,
  isEventTime,
  isNonEmptyString,
  isPlainArray,
  isPlainObject,
  withQueryFacts,
  type QueryFacts,
} from './wire';

/** Throws an `InvalidBodyError` naming the first field that breaks the Official Account recall schema. */
export function assertOfficialAccountRecallBody(body: object): asserts body is OfficialAccountRecallCallbackBody {
  checkBody(
    body,
    isPlainOfficialAccountRecallBody,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => (require('./body-schemas') as typeof import('./body-schemas')).officialAccountRecallBodySchema,
  );
}

/** The fast path, as for group recalls: true only for a body the schema (body-schemas.ts) accepts. */
export function isPlainOfficialAccountRecallBody(body: object): boolean {
  const fields = body as Record<string, unknown>;
  return (
    isPlainObject(body) &&
    fields.CallbackCommand === OFFICIAL_ACCOUNT_RECALL_COMMAND &&
    isNonEmptyString(fields.Official_Account) &&
    areWithdrawnMessages(fields.WithdrawMsgList) &&
    (fields.EventTime === undefined || isEventTime(fields.EventTime))
  );
}

function areWithdrawnMessages(value: unknown): boolean {
  if (!isPlainArray(value) || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const message: unknown = value[i];
    if (!isPlainObject(message) || !isNonEmptyString((message as Record<string, unknown>).MsgKey)) return false;
  }
  return true;
}

/** Maps a validated wire body and the query facts to the camelCase event. */
export function toOfficialAccountRecallEvent(
  body: OfficialAccountRecallCallbackBody,
  query: QueryFacts,
): OfficialAccountRecallEvent {
  const event: OfficialAccountRecallEvent = {
    callbackCommand: OFFICIAL_ACCOUNT_RECALL_COMMAND,
    source: 'webhook',
    sdkAppId: query.sdkAppId,
    officialAccount: body.Official_Account,
    messages: body.WithdrawMsgList.map((message) => ({ msgKey: message.MsgKey })),
    raw: body,
  };
  if (body.EventTime !== undefined) event.eventTime = Number(body.EventTime);
  return withQueryFacts(event, query);
}
