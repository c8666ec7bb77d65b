import type { DedupeStore } from './types';

export interface MemoryStoreOptions {
  /** Most keys kept; beyond it the oldest is forgotten. Default 10000. */
  max?: number | undefined;
}

const DEFAULT_MAX = 10_000;

/** True only for options the schema below accepts as they are; the rest go to Joi. */
export function isPlainMemoryStoreOptions(options: unknown): options is MemoryStoreOptions | undefined {
  if (options === undefined) return true;
  if (typeof options !== 'object' || options === null || Object.getPrototypeOf(options) !== Object.prototype) {
    return false;
  }
  const keys = Reflect.ownKeys(options);
  const { max } = options as Record<string, unknown>;
  return (
    keys.every((key) => key === 'max') && (max === undefined || (Number.isSafeInteger(max) && (max as number) >= 1))
  );
}

/** Joi, loaded only for options the plain check does not accept, decides and names the option. */
export function validateWithJoi(options: unknown): MemoryStoreOptions {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Joi = require('joi') as typeof import('joi');
  const schema = Joi.object({ max: Joi.number().integer().min(1) }).prefs({ errors: { label: 'path' } });
  const { error, value } = schema.validate(options);
  if (error) throw new TypeError(`memoryStore: invalid options: ${error.message}`);
  return value ?? {};
}

/**
 * A dedupe store in this process's memory: for a single instance. Keys expire after their TTL, and
 * beyond `max` keys the oldest claim is forgotten, so memory stays bounded.
 */
export function memoryStore(options?: MemoryStoreOptions): DedupeStore {
  const valid = isPlainMemoryStoreOptions(options) ? options : validateWithJoi(options);
  const max = valid?.max ?? DEFAULT_MAX;
  // Map iteration follows insertion order, and a key is re-inserted on every claim: oldest first.
  const expiries = new Map<string, number>();

  function forgetExpired(now: number): void {
    for (const [key, expiresAt] of expiries) {
      if (expiresAt > now) break;
      expiries.delete(key);
    }
  }

  return {
    async claim(key: string, ttlMs: number): Promise<boolean> {
      const now = Date.now();
      forgetExpired(now);
      const expiresAt = expiries.get(key);
      if (expiresAt !== undefined && expiresAt > now) return false;
      expiries.delete(key);
      expiries.set(key, now + ttlMs);
      if (expiries.size > max) expiries.delete(expiries.keys().next().value as string);
      return true;
    },
    async release(key: string): Promise<void> {
      expiries.delete(key);
    },
  };
}
