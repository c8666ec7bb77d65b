import type { ObjectSchema } from 'joi';
import { InvalidBodyError } from './errors';

/** Plain checks that every callback command's body shares. */

const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;
const DIGITS = /^\d+$/;

/**
 * Throws an `InvalidBodyError` naming the first field that breaks the schema. The fast path, a
 * plain check that accepts only bodies the schema accepts, spares Joi's cost for well-formed
 * bodies; `loadSchema` loads Joi only for a body the fast path does not accept.
 */
export function checkBody(body: object, fastPath: (body: object) => boolean, loadSchema: () => ObjectSchema): void {
  if (fastPath(body)) return;
  const { error } = loadSchema().validate(body);
  if (error) throw new InvalidBodyError(`invalid body: ${error.message}`);
}

export function isEventTime(value: unknown): boolean {
  if (typeof value === 'number') return isNonNegativeSafeInteger(value);
  return typeof value === 'string' && isSafeIntegerDigits(value);
}

export function isSafeIntegerDigits(value: string): boolean {
  return value.length <= MAX_SAFE_DIGITS && DIGITS.test(value) && Number.isSafeInteger(Number(value));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** An array made by `[]` or `JSON.parse`, not a subclass or a proxy of one. */
export function isPlainArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
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
