import Joi from 'joi';
import {
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  type DedupeStore,
  type RecallEvent,
  type RecallQueue,
} from '../protocol/types';
import type { DeliveryOptions, DeliverySettings } from './deliver';
import { normalizeLog } from './log';
import { DEFAULT_MAX_PENDING_ADDS, normalizeQueue } from './queue';

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

const log = Joi.object({
  debug: Joi.function(),
  info: Joi.function(),
  warn: Joi.function(),
  error: Joi.function(),
}).unknown(true);

/** The options every way of delivering recalls shares: the receivers' and the reconciler's. */
export const deliveryKeys = {
  onRecall: Joi.function(),
  onC2CRecall: Joi.function(),
  queue,
  queueDeduplicationSeconds: Joi.number()
    .integer()
    .min(1)
    .default(24 * 60 * 60),
  queueCommands: Joi.array()
    .items(Joi.string().valid(RECALL_COMMAND, C2C_RECALL_COMMAND))
    .min(1)
    .unique()
    .default([RECALL_COMMAND, C2C_RECALL_COMMAND]),
  queueMaxPendingAdds: Joi.number().integer().min(1).default(DEFAULT_MAX_PENDING_ADDS),
  onError: Joi.function(),
  log,
  dedupe: Joi.object({
    store: dedupeStore.required(),
    ttlSeconds: Joi.number()
      .integer()
      .min(1)
      .default(24 * 60 * 60),
    timeoutMs: Joi.number().integer().min(1).default(200),
  }),
};

export const HANDLER_REQUIRED = {
  'object.missing': 'at least one of "onRecall", "onC2CRecall" or "queue" is required',
};

/** What `deliveryKeys` validated, with its defaults applied. */
export interface ValidatedDeliveryOptions<Req> extends DeliveryOptions<Req> {
  queueDeduplicationSeconds: number;
  queueCommands: ReadonlyArray<RecallEvent['callbackCommand']>;
  queueMaxPendingAdds: number;
}

/** Builds the settings a delivery runs on from options that `deliveryKeys` validated. */
export function deliverySettings<Req>(
  value: ValidatedDeliveryOptions<Req>,
  respond: DeliverySettings<Req>['respond'],
): DeliverySettings<Req> {
  return {
    onRecall: value.onRecall,
    onC2CRecall: value.onC2CRecall,
    queue:
      value.queue &&
      normalizeQueue({
        queue: value.queue,
        deduplicationSeconds: value.queueDeduplicationSeconds,
        commands: value.queueCommands,
        maxPendingAdds: value.queueMaxPendingAdds,
      }),
    dedupe: value.dedupe && {
      store: value.dedupe.store,
      ttlMs: (value.dedupe.ttlSeconds ?? 24 * 60 * 60) * 1000,
      timeoutMs: value.dedupe.timeoutMs ?? 200,
    },
    respond,
    onError: value.onError,
    log: normalizeLog(value.log),
  };
}

const standaloneSchema = Joi.object(deliveryKeys)
  .or('onRecall', 'onC2CRecall', 'queue')
  .messages(HANDLER_REQUIRED)
  .required()
  .prefs({ abortEarly: true, errors: { label: 'path' } });

/** Validates delivery options given on their own (not within a receiver's); throws a `TypeError` naming the option. */
export function normalizeDeliveryOptions<Req>(options: DeliveryOptions<Req>, factory: string): DeliverySettings<Req> {
  const { error, value } = standaloneSchema.validate(options, { allowUnknown: false });
  if (error) throw new TypeError(`${factory}: invalid options: ${error.message}`);
  return deliverySettings(value as ValidatedDeliveryOptions<Req>, 'after-callback');
}
