// npm run test:chaos: durable mode under crashes. A real redis-server (AOF, every write fsynced),
// two receiver processes and two worker processes on the built package; thousands of recalls sent
// as Tencent would, some twice; meanwhile workers are SIGKILLed and restarted again and again, one
// receiver is killed, redis-server is killed and restarted, and a share of the handlers fail their
// first attempt. Then every recall answered OK must have been processed. Bounded in count and
// time, loopback only; it kills only the processes it started.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { DEMO_SDK_APP_ID } from '../../lib/testing/index';
import { requireBuild } from '../support/build';
import { describeWithRedis } from '../support/bullmq';
import { TestRedisServer } from '../support/redis-server';
import { ChildScript } from './processes';
import { draw, planRecalls, recallId, sendRecalls, type Answer, type Outcome, type PlannedRecall } from './sender';

const RECALLS = Number(process.env.CHAOS_RECALLS ?? 4000);
const SEED = Number(process.env.CHAOS_SEED ?? 11);
/** Recalls per second: the run lasts RECALLS / RATE seconds, and the chaos as long. */
const RATE = 100;
const SEND_MS = (RECALLS / RATE) * 1000;
const TWICE_SHARE = 0.1;
const FAIL_FIRST_SHARE = 0.2;
/** How long a worker lives once ready before it is SIGKILLed: 300 to 1,200 ms. */
const WORKER_LIFE_MS = { min: 300, spread: 900 };
const RECEIVER_KILL_AT = 0.35;
const REDIS_KILL_AT = 0.6;
const REDIS_OUTAGE_MS = 1000;
const LOAD_BALANCER_NOTICES_MS = 500;
const DRAIN_LIMIT_MS = 90_000;
const START_LIMIT_MS = 15_000;
const TOKEN = 'chaos-token';
const QUEUE_NAME = 'chaos-recalls';
/** The whole test, start to cleanup: jest fails it after this, and afterAll still cleans up. */
const HARD_LIMIT_MS = SEND_MS + DRAIN_LIMIT_MS + 60_000;

const WAITING_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

interface Records {
  /** How many times each recall was processed. */
  processed: Map<string, number>;
  failedAttempts: number;
  /** Recalls processed by a worker after the job had lost an earlier one (killed mid-job). */
  takenOverAfterKill: Set<string>;
}

/** Everything the workers recorded so far (each worker process writes its own file). */
function readRecords(folder: string): Records {
  const processed = new Map<string, number>();
  let failedAttempts = 0;
  const takenOverAfterKill = new Set<string>();
  for (const file of readdirSync(folder)) {
    for (const line of readFileSync(join(folder, file), 'utf8').split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as {
        processed?: Parameters<typeof recallId>[0];
        stalledCounter?: number;
        failedAttempt?: unknown;
      };
      if (entry.failedAttempt) failedAttempts++;
      if (entry.processed) {
        const id = recallId(entry.processed);
        processed.set(id, (processed.get(id) ?? 0) + 1);
        if (entry.stalledCounter) takenOverAfterKill.add(id);
      }
    }
  }
  return { processed, failedAttempts, takenOverAfterKill };
}

function tally(answers: Answer[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { ok: 0, fail: 0, timeout: 0, 'connection-error': 0 };
  for (const { outcome } of answers) counts[outcome]++;
  return counts;
}

const acknowledgedOk = (recall: PlannedRecall) => recall.answers.some((answer) => answer.outcome === 'ok');

describeWithRedis('chaos: workers, a receiver and Redis killed while recalls arrive', () => {
  let folder: string | undefined;
  /** Every process the test started, killed or not: cleanup kills those still running. */
  const children: ChildScript[] = [];
  let redis: TestRedisServer | undefined;
  let queue: Queue | undefined;
  /** Aborted when the test ends, however it ends: the sender and every chaos loop stop waiting. */
  const end = new AbortController();
  /** Resolves after `ms`, or at once when the test ended (then the caller stops). */
  const pause = (ms: number) => sleep(ms, undefined, { signal: end.signal }).catch(() => undefined);
  const ended = () => end.signal.aborted;

  afterAll(async () => {
    end.abort();
    await queue?.close().catch(() => {});
    await Promise.all(children.map((child) => child.kill()));
    await redis?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }, 30_000);

  async function start(name: string, script: string, env: Record<string, string>): Promise<ChildScript> {
    const child = await ChildScript.start(name, script, { QUEUE_NAME, REDIS_URL: redis!.url, ...env }, START_LIMIT_MS);
    children.push(child);
    return child;
  }

  test(
    `${RECALLS} recalls: every one answered OK is processed`,
    async () => {
      requireBuild();
      folder = mkdtempSync(join(tmpdir(), 'tencent-chat-recall-webhook-chaos-'));
      const recordsFolder = join(folder, 'records');
      mkdirSync(recordsFolder);
      redis = await TestRedisServer.start({ appendOnlyDir: folder });

      let workerStarts = 0;
      const startWorker = (slot: number) =>
        start(`worker ${slot}`, 'worker.mjs', {
          RECORD_FILE: join(recordsFolder, `worker-${slot}-${++workerStarts}.jsonl`),
          FAIL_FIRST_SHARE: String(FAIL_FIRST_SHARE),
          HANDLER_MS: '20',
        });
      const receiverEnv = {
        SDK_APP_ID: String(DEMO_SDK_APP_ID),
        CALLBACK_TOKEN: TOKEN,
        JOB_ATTEMPTS: '20',
        JOB_BACKOFF_MS: '200',
      };
      const receivers = await Promise.all([0, 1].map((slot) => start(`receiver ${slot}`, 'receiver.mjs', receiverEnv)));
      const workers = await Promise.all([0, 1].map(startWorker));
      const targets = receivers.map((receiver) => `http://127.0.0.1:${receiver.port}/callback`);

      const recalls = planRecalls(RECALLS, TWICE_SHARE, SEED);
      const startedAt = performance.now();
      const secondsIn = (at: number) => Math.round((at - startedAt) / 100) / 10;
      /** When each chaos event happened, in seconds since the first recall was sent. */
      const timeline: Record<string, number> = {};
      const mark = (event: string) => (timeline[event] = secondsIn(performance.now()));
      const sending = sendRecalls(recalls, {
        sdkAppId: DEMO_SDK_APP_ID,
        token: TOKEN,
        seed: SEED,
        targets: () => targets,
        durationMs: SEND_MS,
        retryAfterMs: 300,
        signal: end.signal,
      });
      let sendingDone = false;
      void sending.finally(() => {
        sendingDone = true;
        mark('sending ended');
      });
      const chaosGoesOn = () => !sendingDone && !ended();

      let workerKills = 0;
      /** One worker slot: its worker lives a few hundred ms once ready, is SIGKILLed, and a new one starts. */
      async function killWorkerAgainAndAgain(slot: number): Promise<void> {
        for (let round = 0; chaosGoesOn(); round++) {
          await pause(WORKER_LIFE_MS.min + draw(SEED, `worker ${slot} life ${round}`) * WORKER_LIFE_MS.spread);
          if (ended()) return;
          await workers[slot].kill();
          workerKills++;
          workers[slot] = await startWorker(slot);
        }
      }
      /** Tencent goes on sending to the dead receiver until the load balancer notices. */
      async function killOneReceiver(): Promise<void> {
        await pause(SEND_MS * RECEIVER_KILL_AT);
        if (ended()) return;
        mark('receiver 1 killed');
        await receivers[1].kill();
        await pause(LOAD_BALANCER_NOTICES_MS);
        targets.splice(1, 1);
        mark('receiver 1 out of the load balancer');
      }
      async function killAndRestartRedis(): Promise<void> {
        await pause(SEND_MS * REDIS_KILL_AT);
        if (ended()) return;
        mark('redis-server killed');
        await redis!.kill();
        await pause(REDIS_OUTAGE_MS);
        if (ended()) return;
        await redis!.restart();
        mark('redis-server ready again');
      }
      await Promise.all([
        sending,
        killWorkerAgainAndAgain(0),
        killWorkerAgainAndAgain(1),
        killOneReceiver(),
        killAndRestartRedis(),
      ]);

      if (ended()) return; // the test timed out and afterAll has cleaned up

      // The drain: both workers stay up until the queue is empty and every acknowledged recall is processed.
      const drainStartedAt = performance.now();
      queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
      const acknowledged = recalls.filter(acknowledgedOk);
      let records = readRecords(recordsFolder);
      let waiting = Infinity;
      // Counts first, then records: a worker records a recall before its job leaves the queue, so
      // once nothing is left queued, the records are complete.
      while (performance.now() - drainStartedAt < DRAIN_LIMIT_MS && !ended()) {
        const counts = await queue.getJobCounts(...WAITING_STATES);
        waiting = Object.values(counts).reduce((sum, count) => sum + count, 0);
        records = readRecords(recordsFolder);
        if (waiting === 0) break;
        await pause(250);
      }
      const drainMs = performance.now() - drainStartedAt;
      const failedSet = await queue.getFailedCount();

      const sentIds = new Set(recalls.map((recall) => recall.id));
      const lost = acknowledged.filter((recall) => !records.processed.has(recall.id)).map((recall) => recall.id);
      const unknown = [...records.processed.keys()].filter((id) => !sentIds.has(id));
      const neverAcknowledged = recalls.filter((recall) => !acknowledgedOk(recall));
      const repeats = [...records.processed.values()].filter((times) => times > 1);
      const answers = recalls.flatMap((recall) => recall.answers);
      /** When the answers of each kind other than OK came: first and last, in seconds into the run. */
      const notOkWindows: Record<string, [number, number]> = {};
      for (const { outcome, at } of answers) {
        if (outcome === 'ok') continue;
        const [first, last] = notOkWindows[outcome] ?? [Infinity, -Infinity];
        notOkWindows[outcome] = [Math.min(first, secondsIn(at)), Math.max(last, secondsIn(at))];
      }
      const figures = {
        recalls: RECALLS,
        requests: answers.length,
        sentTwice: recalls.filter((recall) => recall.twice).length,
        answers: tally(answers),
        acknowledged: acknowledged.length,
        neverAcknowledged: neverAcknowledged.length,
        neverAcknowledgedButProcessed: neverAcknowledged.filter((recall) => records.processed.has(recall.id)).length,
        lost: lost.length,
        processedMoreThanOnce: repeats.length,
        extraRuns: repeats.reduce((sum, times) => sum + times - 1, 0),
        firstAttemptsFailedOnPurpose: records.failedAttempts,
        workerKills,
        takenOverAfterKill: records.takenOverAfterKill.size,
        workerStarts,
        timeline,
        notOkWindows,
        stillQueued: waiting,
        failedSet,
        drainMs: Math.round(drainMs),
      };
      console.log(`chaos run (seed ${SEED}):\n${JSON.stringify(figures, null, 2)}`);

      const unexpectedExits = children.flatMap((child) => child.unexpectedExit ?? []);
      expect(unexpectedExits).toEqual([]);
      expect({ lost: lost.length, examples: lost.slice(0, 10) }).toEqual({ lost: 0, examples: [] });
      expect(unknown).toEqual([]);
      expect(waiting).toBe(0);
      expect(failedSet).toBe(0);
      // The run did what it claims: crashes happened, handlers failed, and most recalls got through.
      expect(workerKills).toBeGreaterThanOrEqual(SEND_MS / 5000);
      expect(records.failedAttempts).toBeGreaterThan(0);
      expect(Object.keys(timeline)).toHaveLength(5);
      expect(acknowledged.length).toBeGreaterThan(RECALLS / 2);
    },
    HARD_LIMIT_MS,
  );
});
