// The fake Tencent Chat server in a process of its own, for `npm run bench:reconcile` and the
// rate-limit test: the client's CPU and the server's are then measured apart, and a stall of the
// client's event loop does not stall the server. Driven over IPC: it sends { type: 'ready',
// baseUrl } once listening, and answers each request { id, type, ... } with { id, result }.
import { busiestSecond } from '../lib/testing/fake-chat-store';
import { startFakeChatServer, type FakeChatServer } from '../lib/testing/fake-chat-server';

export const FAKE_SDK_APP_ID = 1400000001;
export const FAKE_SECRET_KEY = 'bench-secret-key';

export type FakeRequest =
  | { type: 'fill'; groups: number; pairs: number; now: number; recallEvery: number }
  | { type: 'stats'; command?: string | undefined; since?: number | undefined }
  | { type: 'close' };

async function fill(fake: FakeChatServer, request: Extract<FakeRequest, { type: 'fill' }>): Promise<string[]> {
  const { groups, pairs, now, recallEvery } = request;
  const ids: string[] = [];
  for (let i = 0; i < groups; i++) {
    const groupId = fake.createGroup({ groupId: `@TGS#bench${i}` });
    ids.push(groupId);
    for (let m = 0; m < 3; m++) fake.sendGroupMessage({ groupId, from: 'alice', time: now - 60 * (m + 1) });
    if (i % recallEvery === 0) await fake.recallGroupMessage({ groupId, msgSeq: 2 });
  }
  for (let i = 0; i < pairs; i++) {
    for (let m = 0; m < 3; m++) {
      const { msgKey } = fake.sendC2CMessage({ from: `user${i}`, to: `peer${i}`, time: now - 60 * (m + 1) });
      if (i % recallEvery === 0 && m === 1) await fake.recallC2CMessage({ from: `user${i}`, to: `peer${i}`, msgKey });
    }
  }
  return ids;
}

async function main(): Promise<void> {
  // The client's rate is what is measured: the fake accepts far more than Tencent would.
  const fake = await startFakeChatServer({
    sdkAppId: FAKE_SDK_APP_ID,
    secretKey: FAKE_SECRET_KEY,
    maxCallsPerSecond: Number(process.env.FAKE_MAX_CALLS_PER_SECOND ?? 100_000),
  });
  process.on('message', (message: { id: number } & FakeRequest) => {
    void (async () => {
      let result: unknown;
      if (message.type === 'fill') result = await fill(fake, message);
      else if (message.type === 'stats') {
        const calls = fake.calls.filter((call) => call.at >= (message.since ?? 0));
        result = {
          calls: calls.length,
          busiest: busiestSecond(calls, message.command),
          cpuMicros: process.cpuUsage(),
        };
      } else {
        await fake.close();
        process.disconnect();
        return;
      }
      process.send?.({ id: message.id, result });
    })().catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
  process.send?.({ type: 'ready', baseUrl: fake.baseUrl });
}

if (require.main === module) void main();
