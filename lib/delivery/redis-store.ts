import type { DedupeStore } from './types';

/**
 * The two commands `redisStore` sends, as the `redis` package (node-redis v5 and later) types
 * them. A client from `createClient()`, `createCluster()` or `createSentinel()` fits; this package
 * never loads `redis` itself.
 */
export interface RedisStoreClient {
  set(
    key: string,
    value: string,
    options: { expiration: { type: 'PX'; value: number }; condition: 'NX' },
  ): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/**
 * A dedupe store in Redis, shared by every instance that uses the same Redis: a claim is
 * `SET key 1 NX PX ttl`, a release is `DEL key`. Pass a connected client; its connection,
 * reconnection and `error` events stay yours to handle.
 */
export function redisStore(client: RedisStoreClient): DedupeStore {
  if (typeof client?.set !== 'function' || typeof client.del !== 'function') {
    throw new TypeError('redisStore: expected a client from the redis package (with set and del)');
  }
  return {
    async claim(key: string, ttlMs: number): Promise<boolean> {
      const reply = await client.set(key, '1', { expiration: { type: 'PX', value: ttlMs }, condition: 'NX' });
      return reply !== null;
    },
    async release(key: string): Promise<void> {
      await client.del(key);
    },
  };
}
