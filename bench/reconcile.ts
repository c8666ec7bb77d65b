// `npm run bench:reconcile`: what one reconciliation pass costs on the fake Tencent Chat server,
// which enforces Tencent's default 200 calls a second per API: calls made and wall time for 1,000
// groups and 1,000 one-to-one pairs, at the client's rate (default 200 a second, the limit), and
// the calls a pass makes for single conversations of each shape. `-- --help` lists the flags.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createChatApiClient } from '../lib/reconcile/chat-api-client';
import { reconcileRecalls, type ReconcileOptions } from '../lib/reconcile/reconcile';
import { startFakeChatServer, type FakeChatServer } from '../lib/testing/fake-chat-server';

const USAGE = `npm run bench:reconcile -- [flags]
  --groups <n>     groups in the pass (default 1000)
  --pairs <n>      one-to-one pairs in the pass (default 1000)
  --rate <n>       the client's maxCallsPerSecond (default 200, Tencent's default limit per API)
  --concurrency <n> conversations read at once (default 4, reconcileRecalls's default)`;

const SDK_APP_ID = 1400000001;
const SECRET_KEY = 'bench-secret-key';
const WINDOW_SECONDS = 10 * 60;
const DAY_SECONDS = 24 * 60 * 60;

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '1000' },
    pairs: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '4' },
    help: { type: 'boolean' },
  },
});

async function main(): Promise<void> {
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const groups = Number(values.groups);
  const pairs = Number(values.pairs);
  const rate = Number(values.rate);
  const concurrency = Number(values.concurrency);
  const fake = await startFakeChatServer({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY });
  try {
    const client = createChatApiClient({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      baseUrl: fake.baseUrl,
      maxCallsPerSecond: rate,
    });
    const now = Math.floor(Date.now() / 1000);
    const since = (now - WINDOW_SECONDS) * 1000;
    const base: Omit<ReconcileOptions, 'groups' | 'conversations'> = {
      client,
      since,
      concurrency,
      onRecall: () => undefined,
      onC2CRecall: () => undefined,
    };

    // The app: every group and pair had three messages in the window, every tenth one recalled.
    const groupIds = await fill(fake, groups, pairs, now);
    const pairList = Array.from({ length: pairs }, (_, i) => ({ account: `user${i}`, peer: `peer${i}` }));
    const requestsBefore = client.callsMade;
    const started = performance.now();
    const report = await reconcileRecalls({ ...base, groups: groupIds, conversations: pairList });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `Pass over ${groups} groups and ${pairs} one-to-one pairs at maxCallsPerSecond ${rate}, concurrency ${concurrency}:`,
    );
    console.log(`  calls made:    ${report.calls} (${client.callsMade - requestsBefore} HTTP requests with retries)`);
    console.log(`  wall time:     ${seconds.toFixed(1)} s (${(report.calls / seconds).toFixed(0)} calls a second)`);
    console.log(
      `  recalls found: ${report.found.group} group, ${report.found.c2c} one-to-one; failed: ${report.failed.length}`,
    );

    // Single conversations: the calls each shape costs.
    const shapes = probes(fake, now);
    console.log('Calls a pass makes for one conversation (history read back to since - 120 s):');
    for (const shape of shapes) {
      const probe = await reconcileRecalls({ ...base, [shape.kind]: [shape.target] });
      console.log(`  ${shape.name.padEnd(58)} ${probe.calls}`);
    }
  } finally {
    await fake.close();
  }
}

async function fill(fake: FakeChatServer, groups: number, pairs: number, now: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < groups; i++) {
    const groupId = fake.createGroup({ groupId: `@TGS#bench${i}` });
    ids.push(groupId);
    for (let m = 0; m < 3; m++) fake.sendGroupMessage({ groupId, from: 'alice', time: now - 60 * (m + 1) });
    if (i % 10 === 0) await fake.recallGroupMessage({ groupId, msgSeq: 2 });
  }
  for (let i = 0; i < pairs; i++) {
    for (let m = 0; m < 3; m++) {
      const { msgKey } = fake.sendC2CMessage({ from: `user${i}`, to: `peer${i}`, time: now - 60 * (m + 1) });
      if (i % 10 === 0 && m === 1) await fake.recallC2CMessage({ from: `user${i}`, to: `peer${i}`, msgKey });
    }
  }
  return ids;
}

interface Probe {
  name: string;
  kind: 'groups' | 'conversations';
  target: string | { account: string; peer: string };
}

function probes(fake: FakeChatServer, now: number): Probe[] {
  const quiet = fake.createGroup({ groupId: '@TGS#quiet' });
  const old = fake.createGroup({ groupId: '@TGS#old' });
  for (let m = 0; m < 1000; m++) fake.sendGroupMessage({ groupId: old, from: 'bob', time: now - DAY_SECONDS });
  const busy = fake.createGroup({ groupId: '@TGS#busy' });
  for (let m = 0; m < 200; m++) fake.sendGroupMessage({ groupId: busy, from: 'bob', time: now - 60 });
  for (let m = 0; m < 1000; m++) fake.sendC2CMessage({ from: 'old', to: 'pair', time: now - DAY_SECONDS });
  for (let m = 0; m < 200; m++) fake.sendC2CMessage({ from: 'busy', to: 'pair', time: now - 60 });
  return [
    { name: 'quiet group (no messages)', kind: 'groups', target: quiet },
    { name: 'old group (1,000 messages sent a day ago)', kind: 'groups', target: old },
    { name: 'busy group (200 messages in the window)', kind: 'groups', target: busy },
    { name: 'quiet pair (no messages)', kind: 'conversations', target: { account: 'nobody', peer: 'pair' } },
    {
      name: 'old pair (1,000 messages sent a day ago)',
      kind: 'conversations',
      target: { account: 'old', peer: 'pair' },
    },
    {
      name: 'busy pair (200 messages in the window)',
      kind: 'conversations',
      target: { account: 'busy', peer: 'pair' },
    },
  ];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
