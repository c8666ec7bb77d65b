import Joi from 'joi';
import { HANDLER_OPTIONS } from '../protocol/commands';
import { deliveryKeys, timerMs } from '../delivery/options-schema';
import { takerRequired } from '../delivery/takers';
import { RECONCILE_HANDLER_OPTIONS } from './kinds';
import type { ConversationToReconcile, ReconcileOptions } from './types';

/**
 * Tencent's default recall time limit: a client may recall its own message within 2 minutes of
 * sending it (changeable in the console).
 */
export const DEFAULT_RECALL_TIME_LIMIT_SECONDS = 120;

/** How long a pass waits for the queue to acknowledge an add: a healthy one answers in milliseconds. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 10_000;

/** Pages one conversation may take: 20,000 group messages in one window. */
export const DEFAULT_MAX_PAGES_PER_CONVERSATION = 1000;

export const FACTORY = 'reconcileRecalls';

// A string is iterable too, but as characters: never a list of groups.
const iterable = Joi.any().custom((value: unknown) => {
  const source = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
  const isIterable =
    typeof source?.[Symbol.iterator] === 'function' || typeof source?.[Symbol.asyncIterator] === 'function';
  if (!isIterable || typeof value === 'string') throw new Error('not iterable');
  return value;
}, 'iterable');

// The receiver's delivery options, checked the same way, but onError (a pass reports its failures)
// and the handlers of commands no history marks (a handler never called is a mistake to name).
const NEVER_RECONCILED: readonly string[] = HANDLER_OPTIONS.filter(
  (option) => !(RECONCILE_HANDLER_OPTIONS as readonly string[]).includes(option),
);
const DELIVERY_KEYS = {
  ...Object.fromEntries(Object.entries(deliveryKeys).filter(([name]) => name !== 'onError')),
  ...Object.fromEntries(
    NEVER_RECONCILED.map((option) => [
      option,
      Joi.any()
        .forbidden()
        .messages({ 'any.unknown': '{{#label}} is never called: reconciliation finds no recalls of its command' }),
    ]),
  ),
};
const TAKERS = [...RECONCILE_HANDLER_OPTIONS, 'queue'];

const client = Joi.object({ sdkAppId: Joi.number().integer().positive().required(), call: Joi.function().required() })
  .unknown(true)
  .required();

// What every pass of a scheduler shares: all but the window and what the pass reads.
const passKeys = {
  recallTimeLimitSeconds: Joi.number().integer().min(0).default(DEFAULT_RECALL_TIME_LIMIT_SECONDS),
  concurrency: Joi.number().integer().min(1).default(4),
  queueTimeoutMs: timerMs.default(DEFAULT_QUEUE_TIMEOUT_MS),
  maxPagesPerConversation: Joi.number().integer().min(1).default(DEFAULT_MAX_PAGES_PER_CONVERSATION),
  signal: Joi.object().instance(AbortSignal),
  ...DELIVERY_KEYS,
};

function reconcileSchema(keys: Joi.PartialSchemaMap): Joi.ObjectSchema {
  return Joi.object(keys)
    .or(...TAKERS)
    .required()
    .messages({ ...takerRequired(TAKERS), 'any.custom': '{{#label}} must be an iterable or an async iterable' })
    .prefs({ abortEarly: true, errors: { label: 'path' } });
}

export const optionsSchema = reconcileSchema({
  client,
  since: Joi.date().required(),
  until: Joi.date(),
  groups: iterable,
  conversations: iterable,
  ...passKeys,
});
const passOptionsSchema = reconcileSchema({ client, ...passKeys });

const groupItem = Joi.alternatives(
  Joi.string().min(1),
  Joi.object({ groupId: Joi.string().min(1).required(), topicId: Joi.string().min(1) }),
);
const conversationItem = Joi.object({ account: Joi.string().min(1).required(), peer: Joi.string().min(1).required() });

/**
 * Checks the options every pass of a scheduler shares (`reconcileRecalls`'s but the window and
 * what it reads), so that a mistake is found at start rather than at the first pass. Throws the
 * `TypeError` a pass would, naming `caller`.
 */
export function checkPassOptions(
  options: Omit<ReconcileOptions, 'since' | 'until' | 'groups' | 'conversations'>,
  caller: string,
): void {
  validOptions(passOptionsSchema, options, caller);
}

export function validOptions<T>(schema: Joi.ObjectSchema<T>, options: object, caller: string): T {
  const { error, value } = schema.validate(options);
  if (error) throw new TypeError(`${caller}: invalid options: ${error.message}`);
  return value;
}

export function toGroup(item: unknown): { groupId: string; topicId?: string } {
  const { error } = groupItem.validate(item);
  if (error) {
    throw new TypeError(`${FACTORY}: a group must be a GroupId or { groupId, topicId? }, got ${JSON.stringify(item)}`);
  }
  if (typeof item === 'string') return { groupId: item };
  const { groupId, topicId } = item as { groupId: string; topicId?: string };
  return topicId === undefined ? { groupId } : { groupId, topicId };
}

export function toConversation(item: unknown): ConversationToReconcile {
  const { error } = conversationItem.validate(item);
  if (error) {
    throw new TypeError(`${FACTORY}: a conversation must be { account, peer }, got ${JSON.stringify(item)}`);
  }
  const { account, peer } = item as ConversationToReconcile;
  return { account, peer };
}
