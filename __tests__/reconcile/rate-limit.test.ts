/**
 * The client's rate limit, measured where Tencent measures it: by the fake server in a process of
 * its own, which counts the calls that arrive in every one-second window (fixed and sliding),
 * while the client's event loop stalls again and again.
 */
import { createChatApiClient } from '../../lib/reconcile/chat-api-client';
import { FAKE_SDK_APP_ID, FAKE_SECRET_KEY } from '../../bench/reconcile-fake';
import { forkFake, type FakeProcess } from '../../bench/reconcile-fake-process';

jest.setTimeout(60_000);

const GROUP_INFO = 'group_open_http_svc/get_group_info';
const RATE = 20;
const CALLS = 50;

let fake: FakeProcess;

beforeAll(async () => {
  fake = await forkFake();
});
afterAll(() => fake.close());

/** Blocks the event loop for `ms`, as a long synchronous task would. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

it(`holds maxCallsPerSecond ${RATE} in every one-second window while the event loop stalls`, async () => {
  const client = createChatApiClient({
    sdkAppId: FAKE_SDK_APP_ID,
    secretKey: FAKE_SECRET_KEY,
    baseUrl: fake.baseUrl,
    maxCallsPerSecond: RATE,
  });
  const since = Date.now();
  // 250 ms stalls every 400 ms: timers due during a stall all come due at once after it.
  const stalls = setInterval(() => stall(250), 400);
  try {
    let left = CALLS;
    const caller = async () => {
      while (left-- > 0) await client.call(GROUP_INFO, { GroupIdList: ['@TGS#none'] });
    };
    await Promise.all(Array.from({ length: 8 }, caller));
  } finally {
    clearInterval(stalls);
  }
  const stats = await fake.ask<{ calls: number; busiest: { fixed: number; sliding: number } }>({
    type: 'stats',
    command: GROUP_INFO,
    since,
  });
  expect(stats.calls).toBe(CALLS);
  expect(stats.busiest.sliding).toBeLessThanOrEqual(RATE);
  expect(stats.busiest.fixed).toBeLessThanOrEqual(RATE);
  // Stalls take most of each second, yet the client still sends at a good share of the rate.
  expect(stats.busiest.sliding).toBeGreaterThanOrEqual(RATE / 2);
});
