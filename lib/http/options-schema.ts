import bytes from 'bytes';
import type JoiModule from 'joi';
import type { DedupeStore, RecallQueue } from '../protocol/types';
import { TENCENT_DEADLINE_MS } from './plain-options';

// The one definition of valid options. Loaded only for options the plain check (plain-options.ts)
// does not accept, to decide them and name the option that is wrong. Defaults are applied after,
// by normalizeOptions, for options accepted either way.

// Required, not imported: the build then loads Joi when this module is first used, not with the package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Joi = require('joi') as typeof JoiModule;

const sdkAppId = Joi.alternatives(
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

// Joi.any() hands the store through untouched: a copy of a Redis client would not work.
const dedupeStore = Joi.any()
  .custom((value: unknown) => {
    const store = value as Partial<DedupeStore> | null | undefined;
    if (typeof store?.claim !== 'function' || typeof store.release !== 'function') throw new Error('not a store');
    return value;
  })
  .messages({ 'any.custom': '{{#label}} must have claim(key, ttlMs) and release(key) methods' });

const queue = Joi.any()
  .custom((value: unknown) => {
    if (typeof (value as Partial<RecallQueue> | null | undefined)?.add !== 'function') throw new Error('not a queue');
    return value;
  })
  .messages({ 'any.custom': '{{#label}} must be a BullMQ Queue (an object with add(name, data, options))' });

const dedupe = Joi.object({
  store: dedupeStore.required(),
  ttlSeconds: Joi.number().integer().min(1),
  timeoutMs: Joi.number().integer().min(1),
});

export const optionsSchema = Joi.object({
  sdkAppId: Joi.alternatives(sdkAppId, Joi.array().items(sdkAppId).min(1)).required(),
  onRecall: Joi.function(),
  onC2CRecall: Joi.function(),
  queue,
  queueDeduplicationSeconds: Joi.number().integer().min(1),
  limit: byteSize,
  bodyTimeoutMs: Joi.number().integer().min(1).less(TENCENT_DEADLINE_MS),
  timeoutMs: Joi.number().integer().min(1).less(TENCENT_DEADLINE_MS),
  respond: Joi.string().valid('after-callback', 'immediately'),
  onError: Joi.function(),
  token: tokenOption,
  toleranceSeconds: Joi.number().integer().min(1),
  now: Joi.function(),
  dedupe,
})
  .or('onRecall', 'onC2CRecall', 'queue')
  .messages({ 'object.missing': 'at least one of "onRecall", "onC2CRecall" or "queue" is required' })
  .required()
  .prefs({ abortEarly: true, errors: { label: 'path' } });
