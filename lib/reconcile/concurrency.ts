import type { Source } from './types';

/**
 * Runs `work` on each item, at most `concurrency` at a time, pulling items only as workers free
 * up (an async source is read lazily). The first rejection stops the pulling; it is rethrown
 * once the work under way has settled.
 */
export async function forEachConcurrently<T>(
  source: Source<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  async function worker(): Promise<void> {
    while (failure === undefined) {
      try {
        const next = await iterator.next();
        if (next.done) return;
        await work(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure === undefined) return;
  await iterator.return?.();
  throw failure.error;
}
