import Joi from 'joi';
import { InvalidBodyError } from './errors';
import { RECALL_COMMAND, type GroupRecallCallbackBody, type GroupRecallEvent } from './types';

const nonNegativeSafeInteger = Joi.number().integer().min(0);
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

const eventTime = Joi.alternatives(
  nonNegativeSafeInteger,
  Joi.string().custom((value: string) => {
    if (value.length > MAX_SAFE_DIGITS || !/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new Error('not a safe integer');
    }
    return value;
  }),
).messages({
  'alternatives.match': '{{#label}} must be a non-negative safe integer or a string of its digits',
  'alternatives.types': '{{#label}} must be a non-negative safe integer or a string of its digits',
});

const recalledMessage = Joi.object({
  MsgSeq: nonNegativeSafeInteger.required(),
  MsgId: Joi.string().allow(''),
}).unknown(true);

// Unknown fields are kept: Tencent adds fields as the event evolves.
const bodySchema = Joi.object({
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
  const { error } = bodySchema.validate(body);
  if (error) throw new InvalidBodyError(`invalid body: ${error.message}`);
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
