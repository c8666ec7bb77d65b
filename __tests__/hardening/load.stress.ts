import { concurrentValidRequests, formatMb, isOkAnswer, MB, mixedFlood, soakWithFailingHandler } from './load';

// npm run test:stress: the full load and soak runs. Each is bounded in count and time, loopback only.

test('2,000 concurrent valid requests: every one answered 200 OK, onRecall called 2,000 times', async () => {
  const started = Date.now();
  const result = await concurrentValidRequests(2000);
  expect(result.answers.filter(isOkAnswer)).toHaveLength(2000);
  expect(result.seen.size).toBe(2000);
  expect(result.sentSeqs.every((seq) => result.seen.get(seq) === 1)).toBe(true);
  console.log(
    `2,000 concurrent: all OK in ${Date.now() - started} ms; ${result.mostInFlight} onRecall calls in flight at most`,
  );
}, 120_000);

test('a mixed flood of 10,000 generated requests: no valid event lost, no invalid one accepted', async () => {
  const started = Date.now();
  const result = await mixedFlood(10_000, 64, Number(process.env.FUZZ_SEED ?? 2024));
  expect(result.valid).toBeGreaterThan(1000);
  expect(result).toMatchObject({ lostValid: 0, acceptedInvalid: 0, wrongStatus: [] });
  console.log(`flood: ${result.valid} valid, ${result.invalid} invalid, in ${Date.now() - started} ms`);
}, 180_000);

test('100,000 requests to a handler that throws every tenth time: heap after GC within a few MB of the start', async () => {
  const started = Date.now();
  const result = await soakWithFailingHandler(100_000, 2000, 32);
  expect(result).toMatchObject({ ok: 90_000, failed: 10_000, other: 0, calls: 100_000, reported: 10_000 });
  console.log(
    `soak: 100,000 requests in ${Date.now() - started} ms; heap ${formatMb(result.heapBefore)} → ${formatMb(result.heapAfter)}`,
  );
  expect(result.heapAfter - result.heapBefore).toBeLessThan(5 * MB);
}, 300_000);
