import type JoiModule from 'joi';
import { C2C_RECALL_COMMAND, GROUP_RECALL_COMMAND, OFFICIAL_ACCOUNT_RECALL_COMMAND } from './types';
import { isSafeIntegerDigits } from './wire';

// The one definition of a valid body per command. Loaded only to decide a body the plain checks
// in the <kind>-event.ts files do not accept, and to name the field that is wrong.

// Required, not imported: the build then loads Joi when this module is first used, not with the package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Joi = require('joi') as typeof JoiModule;

const nonNegativeSafeInteger = Joi.number().integer().min(0);

const eventTime = Joi.alternatives(
  nonNegativeSafeInteger,
  Joi.string().custom((value: string, helpers) => (isSafeIntegerDigits(value) ? value : helpers.error('any.invalid'))),
).messages({
  'any.invalid': '{{#label}} must be a non-negative safe integer or a string of its digits',
  'alternatives.match': '{{#label}} must be a non-negative safe integer or a string of its digits',
  'alternatives.types': '{{#label}} must be a non-negative safe integer or a string of its digits',
});

/** Unknown fields are kept: Tencent adds fields as events evolve. */
const BODY_PREFERENCES: JoiModule.ValidationOptions = {
  convert: false,
  abortEarly: true,
  errors: { label: 'path', wrap: { label: false } },
};

const recalledMessage = Joi.object({
  MsgSeq: nonNegativeSafeInteger.required(),
  MsgId: Joi.string().allow(''),
}).unknown(true);

/** `Group.CallbackAfterRecallMsg`. */
export const groupRecallBodySchema = Joi.object({
  CallbackCommand: Joi.string().valid(GROUP_RECALL_COMMAND).required(),
  Operator_Account: Joi.string().allow('').required(),
  Type: Joi.string().required(),
  GroupId: Joi.string().required(),
  MsgSeqList: Joi.array().items(recalledMessage).min(1).required(),
  TopicId: Joi.string().allow(''),
  EventTime: eventTime.required(),
})
  .unknown(true)
  .prefs(BODY_PREFERENCES);

/** `C2C.CallbackAfterMsgWithDraw`. */
export const c2cRecallBodySchema = Joi.object({
  CallbackCommand: Joi.string().valid(C2C_RECALL_COMMAND).required(),
  From_Account: Joi.string().allow('').required(),
  To_Account: Joi.string().allow('').required(),
  MsgKey: Joi.string().required(),
  UnreadMsgNum: nonNegativeSafeInteger,
  EventTime: eventTime,
})
  .unknown(true)
  .prefs(BODY_PREFERENCES);

/** `OfficialAccount.CallbackAfterMsgWithDraw`. */
export const officialAccountRecallBodySchema = Joi.object({
  CallbackCommand: Joi.string().valid(OFFICIAL_ACCOUNT_RECALL_COMMAND).required(),
  Official_Account: Joi.string().required(),
  WithdrawMsgList: Joi.array()
    .items(Joi.object({ MsgKey: Joi.string().required() }).unknown(true))
    .min(1)
    .required(),
  EventTime: eventTime,
})
  .unknown(true)
  .prefs(BODY_PREFERENCES);
