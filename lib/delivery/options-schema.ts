import type JoiModule from 'joi';
import { HANDLER_OPTIONS, RECALL_COMMANDS } from '../protocol/commands';
import type { DedupeStore, RecallQueue } from './types';
import { MAX_TIMER_MS } from './options';
import { TAKERS, takerRequired } from './takers';

// The one definition of valid delivery options, loaded only to decide options a plain check did
// not accept and to name the one that is wrong. Defaults are applied after, by deliverySettings.

// Required, not imported: the build then loads Joi when this module is first used, not with the package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Joi = require('joi') as typeof JoiModule;

/** Milliseconds a timer waits: a whole number from 1 to the longest a timer can wait. */
export const timerMs = Joi.number()
  .integer()
  .min(1)
  .max(MAX_TIMER_MS)
  .messages({
    'number.max': `{{#label}} must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest a timer can wait)`,
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

// Any logger with these methods (pino, winston, console) is handed through untouched.
const log = Joi.any()
  .custom((value: unknown) => {
    if (typeof value !== 'object' || value === null) throw new Error('not a log');
    const levels = value as Record<string, unknown>;
    for (const level of ['debug', 'info', 'warn', 'error']) {
      if (levels[level] !== undefined && typeof levels[level] !== 'function') throw new Error('not a log');
    }
    return value;
  })
  .messages({
    'any.custom': '{{#label}} must be an object whose debug, info, warn and error, where given, are functions',
  });

/** The options every way of delivering recalls shares: the receivers' and the reconciler's. */
export const deliveryKeys = {
  ...Object.fromEntries(HANDLER_OPTIONS.map((option) => [option, Joi.function()])),
  queue,
  queueDeduplicationSeconds: Joi.number().integer().min(1),
  queueCommands: Joi.array()
    .items(Joi.string().valid(...RECALL_COMMANDS))
    .min(1)
    .unique(),
  queueMaxPendingAdds: Joi.number().integer().min(1),
  onError: Joi.function(),
  log,
  dedupe: Joi.object({
    store: dedupeStore.required(),
    ttlSeconds: Joi.number().integer().min(1),
    timeoutMs: timerMs,
  }),
};

export const HANDLER_REQUIRED = takerRequired(TAKERS);
