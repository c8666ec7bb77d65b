// `npm run bench:reconcile`: what one reconciliation pass costs the client, with the fake Tencent
// Chat server in a process of its own (bench/reconcile-fake.ts), so that the client's CPU and the
// server's are measured apart: calls a second reached and the client's CPU per call, unlimited
// and at maxCallsPerSecond 200 (Tencent's default limit per API), over 10,000 groups and 10,000
// one-to-one pairs; beside it, the same calls made bare (client.call, no pass), the floor the
// pass's own bookkeeping adds to. `-- --help` lists the flags.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createChatApiClient } from '../lib/reconcile/chat-api-client';
import { C2C_HISTORY_COMMAND, GROUP_HISTORY_COMMAND, reconcileRecalls } from '../lib/reconcile/reconcile';
import { FAKE_SDK_APP_ID, FAKE_SECRET_KEY } from './reconcile-fake';
import { forkFake, type FakeProcess } from './reconcile-fake-process';

const USAGE = `npm run bench:reconcile -- [flags]
  --groups <n>       groups in the pass (default 10000)
  --pairs <n>        one-to-one pairs in the pass (default 10000)
  --rates <a,b>      the client's maxCallsPerSecond, each measured ("max" is 10000, the most it takes; default max,200)
  --concurrency <n>  conversations read at once (default 8)
  --baseline <file>  also run the pass of another build of reconcileRecalls (a CommonJS file exporting it, such
                     as the previous release's), alternately with this one, three times each, at the first rate`;

const WINDOW_SECONDS = 10 * 60;

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '10000' },
    pairs: { type: 'string', default: '10000' },
    rates: { type: 'string', default: 'max,200' },
    concurrency: { type: 'string', default: '8' },
    baseline: { type: 'string' },
    help: { type: 'boolean' },
  },
});

interface Run {
  calls: number;
  seconds: number;
  clientMicros: number;
  serverMicros: number;
}

async function measure(fake: FakeProcess, work: () => Promise<number>): Promise<Run> {
  const serverBefore = await fake.ask<{ cpuMicros: NodeJS.CpuUsage }>({ type: 'stats', since: Infinity });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const calls = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const serverAfter = await fake.ask<{ cpuMicros: NodeJS.CpuUsage }>({ type: 'stats', since: Infinity });
  const serverMicros =
    serverAfter.cpuMicros.user +
    serverAfter.cpuMicros.system -
    serverBefore.cpuMicros.user -
    serverBefore.cpuMicros.system;
  return { calls, seconds, clientMicros: used.user + used.system, serverMicros };
}

function ratio(a: Run, b: Run): string {
  return (a.clientMicros / a.calls / (b.clientMicros / b.calls)).toFixed(2);
}

function line(name: string, run: Run): string {
  return (
    `  ${name.padEnd(34)} ${String(run.calls).padStart(6)} calls  ${run.seconds.toFixed(1).padStart(6)} s  ` +
    `${(run.calls / run.seconds).toFixed(0).padStart(5)} calls/s  client ${(run.clientMicros / run.calls).toFixed(0).padStart(4)} µs/call  ` +
    `server ${(run.serverMicros / run.calls).toFixed(0).padStart(4)} µs/call`
  );
}

/** Runs `work` on each item, `concurrency` at a time. */
async function eachAtOnce<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function main(): Promise<void> {
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const groups = Number(values.groups);
  const pairs = Number(values.pairs);
  const concurrency = Number(values.concurrency);
  const rates = String(values.rates)
    .split(',')
    .map((rate) => (rate === 'max' ? 10_000 : Number(rate)));
  const fake = await forkFake();
  try {
    const now = Math.floor(Date.now() / 1000);
    const since = (now - WINDOW_SECONDS) * 1000;
    // The app: every group and pair had three messages in the window, every tenth one recalled.
    const groupIds = await fake.ask<string[]>({ type: 'fill', groups, pairs, now, recallEvery: 10 });
    const pairList = Array.from({ length: pairs }, (_, i) => ({ account: `user${i}`, peer: `peer${i}` }));
    console.log(
      `Node ${process.version}, ${groups} groups and ${pairs} one-to-one pairs, concurrency ${concurrency}, ` +
        'the fake in its own process:',
    );
    const client = (rate: number) =>
      createChatApiClient({
        sdkAppId: FAKE_SDK_APP_ID,
        secretKey: FAKE_SECRET_KEY,
        baseUrl: fake.baseUrl,
        maxCallsPerSecond: rate,
      });
    const passWith = (pass: typeof reconcileRecalls, rate: number, count = Math.max(groups, pairs)) => {
      const passClient = client(rate);
      return measure(fake, async () => {
        const report = await pass({
          client: passClient,
          since,
          concurrency,
          groups: groupIds.slice(0, count),
          conversations: pairList.slice(0, count),
          onRecall: () => undefined,
          onC2CRecall: () => undefined,
        });
        if (report.failed.length > 0) throw new Error(`the pass failed: ${report.failed[0].reason}`);
        return report.calls;
      });
    };
    const readFrom = now - WINDOW_SECONDS - 120;
    const bareWith = (rate: number, count = Math.max(groups, pairs)) => {
      const bareClient = client(rate);
      return measure(fake, async () => {
        await eachAtOnce(groupIds.slice(0, count), concurrency, async (groupId) => {
          await bareClient.call(GROUP_HISTORY_COMMAND, { GroupId: groupId, ReqMsgNumber: 20, WithRecalledMsg: 1 });
        });
        await eachAtOnce(pairList.slice(0, count), concurrency, async ({ account, peer }) => {
          await bareClient.call(C2C_HISTORY_COMMAND, {
            Operator_Account: account,
            Peer_Account: peer,
            MaxCnt: 100,
            MinTime: readFrom,
            MaxTime: now,
          });
        });
        return Math.min(count, groupIds.length) + Math.min(count, pairList.length);
      });
    };
    // Warm-up, not measured: the JIT of both processes, the connections.
    await passWith(reconcileRecalls, rates[0], 2000);
    await bareWith(rates[0], 2000);
    for (const rate of rates) {
      console.log(`maxCallsPerSecond ${rate === 10_000 ? '10000 (as good as unlimited)' : rate}:`);
      const pass = await passWith(reconcileRecalls, rate);
      console.log(line('reconcileRecalls (the pass)', pass));
      const bare = await bareWith(rate);
      console.log(line('the same calls bare (client.call)', bare));
      console.log(`  the pass's CPU per call / bare: ${ratio(pass, bare)}x`);
    }
    if (values.baseline !== undefined) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const baseline = (require(resolve(values.baseline)) as { reconcileRecalls: typeof reconcileRecalls })
        .reconcileRecalls;
      console.log(`this build and ${values.baseline}, alternately, at maxCallsPerSecond ${rates[0]}:`);
      const ratios: string[] = [];
      for (let round = 1; round <= 3; round++) {
        const ours = await passWith(reconcileRecalls, rates[0]);
        const theirs = await passWith(baseline, rates[0]);
        console.log(line(`this build, round ${round}`, ours));
        console.log(line(`baseline, round ${round}`, theirs));
        ratios.push(ratio(ours, theirs));
      }
      console.log(`  this build's CPU per call / the baseline's, by round: ${ratios.join(', ')}`);
    }
  } finally {
    await fake.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
