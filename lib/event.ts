import Joi from 'joi';
import { InvalidBodyError } from './errors';
import { RECALL_COMMAND, type GroupRecallCallbackBody, type GroupRecallEvent } from './types';

const nonNegativeSafeInteger = Joi.number().integer().min(0);
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;
const DIGITS = /^\d+$/;

const eventTime = Joi.alternatives(
  nonNegativeSafeInteger,
  Joi.string().custom((value: string, helpers) => (isSafeIntegerDigits(value) ? value : helpers.error('any.invalid'))),
).messages({
  'any.invalid': '{{#label}} must be a non-negative safe integer or a string of its digits',
  'alternatives.match': '{{#label}} must be a non-negative safe integer or a string of its digits',
  'alternatives.types': '{{#label}} must be a non-negative safe integer or a string of its digits',
});

const recalledMessage = Joi.object({
  MsgSeq: nonNegativeSafeInteger.required(),
  MsgId: Joi.string().allow(''),
}).unknown(true);

// Unknown fields are kept: Tencent adds fields as the event evolves.
export const bodySchema = Joi.object({
  CallbackCommand: Joi.string().valid(RECALL_COMMAND).required(),
  Operator_Account: Joi.string().allow('').required(),
  Type: Joi.string().required(),
  GroupId: Joi.string().required(),
  MsgSeqList: Joi.array().items(recalledMessage).min(1).required(),
  TopicId: Joi.string().allow(''),
  EventTime: eventTime.required(),
})
  .unknown(true)
  .prefs({ convert: false, abortEarly: true, errors: { label: 'path', wrap: { label: false } } });

/** Throws an `InvalidBodyError` naming the first field that breaks the event schema. */
export function assertRecallBody(body: object): asserts body is GroupRecallCallbackBody {
  if (isPlainRecallBody(body)) return;
  const { error } = bodySchema.validate(body);
  if (error) throw new InvalidBodyError(`invalid body: ${error.message}`);
}

/**
 * The fast path: true only for a body the schema above accepts, checked without Joi, which costs
 * most of a request's CPU time. It is stricter than the schema (plain objects and arrays only);
 * anything it does not accept goes to Joi, which decides and names the field.
 * __tests__/event-fast-path.test.ts checks that it never accepts what the schema rejects.
 */
export function isPlainRecallBody(body: object): boolean {
  const fields = body as Record<string, unknown>;
  return (
    isPlainObject(body) &&
    fields.CallbackCommand === RECALL_COMMAND &&
    typeof fields.Operator_Account === 'string' &&
    isNonEmptyString(fields.Type) &&
    isNonEmptyString(fields.GroupId) &&
    areRecalledMessages(fields.MsgSeqList) &&
    (fields.TopicId === undefined || typeof fields.TopicId === 'string') &&
    isEventTime(fields.EventTime)
  );
}

function areRecalledMessages(value: unknown): boolean {
  if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const message: unknown = value[i];
    if (!isPlainObject(message)) return false;
    const { MsgSeq, MsgId } = message as Record<string, unknown>;
    if (!isNonNegativeSafeInteger(MsgSeq) || !(MsgId === undefined || typeof MsgId === 'string')) return false;
  }
  return true;
}

function isEventTime(value: unknown): boolean {
  if (typeof value === 'number') return isNonNegativeSafeInteger(value);
  return typeof value === 'string' && isSafeIntegerDigits(value);
}

function isSafeIntegerDigits(value: string): boolean {
  return value.length <= MAX_SAFE_DIGITS && DIGITS.test(value) && Number.isSafeInteger(Number(value));
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function isNonNegativeSafeInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export interface QueryFacts {
  sdkAppId: string;
  clientIp?: string;
  optPlatform?: string;
}

/** Maps a validated wire body and the query facts to the camelCase event. */
export function toRecallEvent(body: GroupRecallCallbackBody, query: QueryFacts): GroupRecallEvent {
  const event: GroupRecallEvent = {
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
  if (query.clientIp !== undefined) event.clientIp = query.clientIp;
  if (query.optPlatform !== undefined) event.optPlatform = query.optPlatform;
  return event;
}
