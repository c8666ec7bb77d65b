import { concurrentValidRequests, formatMb, isOkAnswer, MB, mixedFlood, soakWithFailingHandler } from './load';

// Short versions of the stress runs (npm run test:stress): the same scenarios, fewer requests.

test('200 concurrent valid requests: every one answered 200 OK, onRecall called once for each', async () => {
  const result = await concurrentValidRequests(200);
  expect(result.answers.filter(isOkAnswer)).toHaveLength(200);
  expect(result.seen.size).toBe(200);
  expect(result.sentSeqs.every((seq) => result.seen.get(seq) === 1)).toBe(true);
  expect(result.mostInFlight).toBeGreaterThan(1);
}, 30_000);

test('a mixed flood of 600 generated requests: no valid event lost, no invalid one accepted', async () => {
  const result = await mixedFlood(600, 32, Number(process.env.FUZZ_SEED ?? 8));
  expect(result.valid).toBeGreaterThan(50);
  expect(result).toMatchObject({ lostValid: 0, acceptedInvalid: 0, wrongStatus: [] });
}, 30_000);

test('1,000 requests to a handler that throws every tenth time: answers right, heap back where it started', async () => {
  const result = await soakWithFailingHandler(1000, 300, 16);
  expect(result).toMatchObject({ ok: 900, failed: 100, other: 0, calls: 1000, reported: 100 });
  console.log(`heap ${formatMb(result.heapBefore)} → ${formatMb(result.heapAfter)}`);
  expect(result.heapAfter - result.heapBefore).toBeLessThan(4 * MB);
}, 30_000);
