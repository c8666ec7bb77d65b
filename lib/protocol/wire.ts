import Joi from 'joi';
import { InvalidBodyError } from './errors';

/** Schema pieces and plain checks that every callback command's body shares. */

export const nonNegativeSafeInteger = Joi.number().integer().min(0);
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;
const DIGITS = /^\d+$/;

export const eventTime = Joi.alternatives(
  nonNegativeSafeInteger,
  Joi.string().custom((value: string, helpers) => (isSafeIntegerDigits(value) ? value : helpers.error('any.invalid'))),
).messages({
  'any.invalid': '{{#label}} must be a non-negative safe integer or a string of its digits',
  'alternatives.match': '{{#label}} must be a non-negative safe integer or a string of its digits',
  'alternatives.types': '{{#label}} must be a non-negative safe integer or a string of its digits',
});

/** Unknown fields are kept: Tencent adds fields as events evolve. */
export const BODY_PREFERENCES: Joi.ValidationOptions = {
  convert: false,
  abortEarly: true,
  errors: { label: 'path', wrap: { label: false } },
};

/**
 * Throws an `InvalidBodyError` naming the first field that breaks `schema`. The fast path, a plain
 * check that accepts only bodies the schema accepts, spares Joi's cost for well-formed bodies.
 */
export function checkBody(body: object, fastPath: (body: object) => boolean, schema: Joi.ObjectSchema): void {
  if (fastPath(body)) return;
  const { error } = schema.validate(body);
  if (error) throw new InvalidBodyError(`invalid body: ${error.message}`);
}

export function isEventTime(value: unknown): boolean {
  if (typeof value === 'number') return isNonNegativeSafeInteger(value);
  return typeof value === 'string' && isSafeIntegerDigits(value);
}

function isSafeIntegerDigits(value: string): boolean {
  return value.length <= MAX_SAFE_DIGITS && DIGITS.test(value) && Number.isSafeInteger(Number(value));
}

export function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

export function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

export function isNonNegativeSafeInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** What the query says about a callback, beside the body. */
export interface QueryFacts {
  sdkAppId: string;
  clientIp?: string | undefined;
  optPlatform?: string | undefined;
}

/** Copies the query facts that are present onto an event. */
export function withQueryFacts<Event extends { clientIp?: string; optPlatform?: string }>(
  event: Event,
  query: QueryFacts,
): Event {
  if (query.clientIp !== undefined) event.clientIp = query.clientIp;
  if (query.optPlatform !== undefined) event.optPlatform = query.optPlatform;
  return event;
}
