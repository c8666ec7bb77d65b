import bytes from 'bytes';
import type JoiModule from 'joi';
import { deliveryKeys, HANDLER_REQUIRED } from '../delivery/options-schema';
import { TAKERS } from '../delivery/takers';
import { TENCENT_DEADLINE_MS } from '../protocol/answers';

// The one definition of valid options. Loaded only for options the plain check (plain-options.ts)
// does not accept, to decide them and name the option that is wrong. Defaults are applied after,
// by normalizeOptions, for options accepted either way.

// Required, not imported: the build then loads Joi when this module is first used, not with the package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Joi = require('joi') as typeof JoiModule;

export const sdkAppIdSchema = Joi.alternatives(
  Joi.number().strict().integer().positive(),
  Joi.string().pattern(/^[1-9]\d*$/, 'digits'),
).messages({ 'alternatives.match': '{{#label}} must be a positive integer or a string of digits' });

const byteSize = Joi.alternatives(
  Joi.number().integer().positive(),
  Joi.string().custom((value: string) => {
    const parsed = bytes.parse(value);
    if (parsed === null || !Number.isFinite(parsed) || parsed <= 0) throw new Error('not a size');
    return parsed;
  }),
).messages({ 'alternatives.match': '{{#label}} must be a positive number of bytes or a size such as "100kb"' });

const token = Joi.string().min(1);
const tokenList = Joi.alternatives(token, Joi.array().items(token).min(1));
// An object gives each app its own tokens; which keys it must have is checked against sdkAppId after.
const tokenOption = Joi.alternatives().conditional(Joi.object(), {
  then: Joi.object()
    .pattern(/^[1-9]\d*$/, tokenList)
    .min(1),
  otherwise: tokenList.messages({
    'alternatives.types': '{{#label}} must be a token, an array of tokens, or tokens keyed by SdkAppid',
  }),
});

export const optionsSchema = Joi.object({
  ...deliveryKeys,
  sdkAppId: Joi.alternatives(sdkAppIdSchema, Joi.array().items(sdkAppIdSchema).min(1)).required(),
  limit: byteSize,
  bodyTimeoutMs: Joi.number().integer().min(1).less(TENCENT_DEADLINE_MS),
  timeoutMs: Joi.number().integer().min(1).less(TENCENT_DEADLINE_MS),
  respond: Joi.string().valid('after-callback', 'immediately'),
  token: tokenOption,
  toleranceSeconds: Joi.number().integer().min(1),
  now: Joi.function(),
})
  .or(...TAKERS)
  .messages(HANDLER_REQUIRED)
  .required()
  .prefs({ abortEarly: true, errors: { label: 'path' } });
