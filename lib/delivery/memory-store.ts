import Joi from 'joi';
import type { DedupeStore } from '../protocol/types';

export interface MemoryStoreOptions {
  /** Most keys kept; beyond it the oldest is forgotten. Default 10000. */
  max?: number | undefined;
}

const optionsSchema = Joi.object({
  max: Joi.number().integer().min(1).default(10_000),
})
  .default()
  .prefs({ errors: { label: 'path' } });

/**
 * A dedupe store in this process's memory: for a single instance. Keys expire after their TTL, and
 * beyond `max` keys the oldest claim is forgotten, so memory stays bounded.
 */
export function memoryStore(options?: MemoryStoreOptions): DedupeStore {
  const { error, value } = optionsSchema.validate(options);
  if (error) throw new TypeError(`memoryStore: invalid options: ${error.message}`);
  const max: number = value.max;
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
