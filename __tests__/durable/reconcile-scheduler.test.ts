/**
 * The reconciliation schedule on a real redis-server, through what an operator lives through:
 * the receiver and the reconcilers down together for longer than the window, Redis losing its
 * data (FLUSHALL, a restart without persistence) under two running reconcilers, and a Redis that
 * freezes while a reconciler closes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import {
  startRecallReconciler,
  type RecallReconciler,
  type RecallReconcilerOptions,
} from '../../lib/durable/reconcile-scheduler';
import { createReadinessCheck } from '../../lib/delivery/readiness';
import { memoryStore } from '../../lib/delivery/memory-store';
import type { ReconcileReport } from '../../lib/reconcile/reconcile';
import type { AnyRecallEvent } from '../../lib/protocol/types';
import { describeWithRedis, openQueue, startRedisBackend, uniqueQueueName, type Backend } from '../support/bullmq';
import { waitFor } from '../support/deliveries';
import { recallId, startFakeApp, type FakeApp } from '../reconcile/scenario';
import type { TestRedisServer } from '../support/redis-server';
import { points, startTelemetry } from '../support/opentelemetry';
import { CHECKPOINT_AGE_METRIC, instrumentReconcileCheckpoint } from '../../lib/observability/reconcile-metrics';

jest.setTimeout(60_000);

interface Running {
  reconciler: RecallReconciler;
  reports: ReconcileReport[];
  errors: Error[];
  lines: string[];
}

describeWithRedis('the reconciliation schedule on real Redis', () => {
  let backend: Backend & { server: TestRedisServer };
  let app: FakeApp;
  let group: string;
  const running: Running[] = [];

  beforeEach(async () => {
    backend = await startRedisBackend();
    app = await startFakeApp();
    group = app.fake.createGroup();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map(({ reconciler }) => reconciler.close()));
    await app.close();
    await backend.stop();
  });

  async function start(queueName: string, options: Partial<RecallReconcilerOptions> = {}): Promise<Running> {
    const run: Running = { reports: [], errors: [], lines: [] } as unknown as Running;
    const write = (line: string) => void run.lines.push(line);
    run.reconciler = await startRecallReconciler({
      queueName,
      connection: { url: backend.server.url, maxRetriesPerRequest: null } as never,
      client: app.client,
      everyMs: 300,
      windowMs: 1000,
      recallTimeLimitSeconds: 0,
      onRecall: () => undefined,
      activeConversations: () => ({ groups: [group] }),
      onReport: (report) => void run.reports.push(report),
      onError: (error) => void run.errors.push(error),
      log: { warn: write, error: write },
      ...options,
    });
    running.push(run);
    return run;
  }

  async function stop(run: Running): Promise<void> {
    running.splice(running.indexOf(run), 1);
    await run.reconciler.close();
  }

  /** Sends a message at `seconds` and recalls it with the receiver down (no callback URL). */
  async function recallAt(seconds: number): Promise<number> {
    const { msgSeq } = app.fake.sendGroupMessage({ groupId: group, from: 'alice', time: seconds });
    await app.fake.recallGroupMessage({ groupId: group, msgSeq });
    return msgSeq;
  }

  it('catches up an outage of receiver and reconcilers longer than the window: every recall delivered once', async () => {
    const queueName = uniqueQueueName();
    const store = memoryStore();
    const delivered: AnyRecallEvent[] = [];
    const handlers = { dedupe: { store }, onRecall: (event: AnyRecallEvent) => void delivered.push(event) };
    const before = await start(queueName, handlers);
    await waitFor(() => before.reports.length >= 1, 10_000);
    await stop(before);
    const checkpoint = before.reports.at(-1)?.until as Date;

    // The outage: 3 s, three times the window, with recalls from its first second to its last.
    const outageStart = Math.ceil(checkpoint.getTime() / 1000);
    const seqs = [await recallAt(outageStart)];
    await sleep(1500);
    seqs.push(await recallAt(Math.floor(Date.now() / 1000)));
    await sleep(1500);
    seqs.push(await recallAt(Math.floor(Date.now() / 1000)));

    const after = await start(queueName, handlers);
    await waitFor(() => after.reports.length >= 2, 10_000);
    expect(after.reports[0].since).toEqual(checkpoint);
    expect(after.reports[0].until.getTime() - checkpoint.getTime()).toBeGreaterThan(3000);
    expect(delivered.map(recallId).sort()).toEqual(seqs.map((seq) => `group ${group}/ ${seq}`).sort());
    expect(after.reports[0].delivered).toBe(3);
    expect(after.reports.slice(1).every((report) => report.delivered === 0)).toBe(true);
    expect((await after.reconciler.status()).checkpoint?.getTime()).toBeGreaterThan(checkpoint.getTime());
  });

  it.each([
    ['FLUSHALL', (server: TestRedisServer) => flushAll(server.url)],
    [
      'a restart without persistence',
      async (server: TestRedisServer) => {
        await server.kill();
        await server.restart();
      },
    ],
  ])(
    'resumes within two intervals after %s under two reconcilers, creates one schedule, tells onError, leaves no gap',
    async (_name, loseData) => {
      const queueName = uniqueQueueName();
      let active = 0;
      let mostAtOnce = 0;
      const slowList = async () => {
        active += 1;
        mostAtOnce = Math.max(mostAtOnce, active);
        await sleep(20);
        active -= 1;
        return { groups: [group] };
      };
      const both = [
        await start(queueName, { activeConversations: slowList }),
        await start(queueName, { activeConversations: slowList }),
      ];
      const reports = () => both.flatMap((run) => run.reports).sort((a, b) => a.until.getTime() - b.until.getTime());
      await waitFor(() => reports().length >= 2, 10_000);
      const lastBefore = reports().at(-1) as ReconcileReport;

      await loseData(backend.server);
      const lostAt = Date.now();
      await waitFor(
        () => reports().some((report) => report.until > lastBefore.until && report.until.getTime() > lostAt),
        10_000,
      );
      const resumedAfterMs = Date.now() - lostAt;
      // Two intervals of 300 ms, and the pass itself.
      expect(resumedAfterMs).toBeLessThan(2 * 300 + 1000);
      await waitFor(() => both.some((run) => run.errors.length > 0), 5000);
      const told = both.flatMap((run) => run.errors).map((error) => error.message);
      expect(told[0]).toMatch(/reconciliation schedule of queue '.+' was gone from Redis .* re-created it/);
      // The pass after the loss reads on from the checkpoint the processes remembered, not windowMs back.
      const sorted = reports();
      const after = sorted.findIndex((report) => report.until.getTime() > lostAt);
      expect(sorted[after].since.getTime()).toBeLessThanOrEqual(sorted[after - 1].until.getTime());
      expect(sorted[after].since.getTime()).toBeGreaterThanOrEqual(sorted[0].until.getTime());

      await waitFor(() => reports().filter((report) => report.until.getTime() > lostAt).length >= 3, 10_000);
      const queue = openQueue(backend, queueName);
      try {
        expect((await queue.getJobSchedulers()).map((scheduler) => scheduler.key)).toEqual(['reconcile-recalls']);
        expect(await queue.getGlobalConcurrency()).toBe(1);
      } finally {
        await queue.close();
      }
      expect(mostAtOnce).toBe(1);
    },
  );

  it('status() and the readiness check say what the store says, from every process', async () => {
    const queueName = uniqueQueueName();
    const one = await start(queueName);
    const other = await start(queueName, { activeConversations: () => ({ groups: [group] }) });
    const ready = createReadinessCheck({ reconciler: other.reconciler, maxStalenessMs: 2000 });
    await waitFor(() => one.reports.length + other.reports.length >= 2, 10_000);
    // Paused, no pass starts; the one under way has time to finish.
    await one.reconciler.queue.pause();
    await sleep(500);
    const [seenByOne, seenByOther] = [await one.reconciler.status(), await other.reconciler.status()];
    expect(seenByOne).toEqual(seenByOther);
    const last = [...one.reports, ...other.reports].sort((a, b) => +a.until - +b.until).at(-1) as ReconcileReport;
    expect(seenByOne).toEqual({
      checkpoint: last.until,
      retrying: 0,
      lastPass: {
        startedAt: expect.any(Date),
        endedAt: expect.any(Date),
        since: last.since,
        until: last.until,
        ok: true,
        delivered: 0,
        duplicates: 0,
        failed: 0,
      },
    });
    expect(await ready()).toEqual({ ready: true });
    await sleep(2100);
    expect(await ready()).toEqual({ ready: false, reason: expect.stringMatching(/checkpoint is \d+ s old/) });
  });

  it('reports the checkpoint age through the OpenTelemetry gauge, from the store', async () => {
    const telemetry = startTelemetry();
    const gauge = instrumentReconcileCheckpoint({ meterProvider: telemetry.meterProvider });
    try {
      const queueName = uniqueQueueName();
      const run = await start(queueName);
      await waitFor(() => run.reports.length >= 2, 10_000);
      await run.reconciler.queue.pause();
      await sleep(700);
      const [point] = points((await telemetry.metrics()).get(CHECKPOINT_AGE_METRIC));
      expect(point.attributes).toEqual({ 'tencent_chat.reconcile.queue': queueName });
      const checkpoint = (await run.reconciler.status()).checkpoint as Date;
      // Collected just now: the age of the stored checkpoint, within the collection's own delay.
      expect(point.value).toBeGreaterThanOrEqual(0.6);
      expect(Math.abs(point.value - (Date.now() - checkpoint.getTime()) / 1000)).toBeLessThan(0.5);
    } finally {
      gauge.disable();
      await telemetry.shutdown();
    }
  });

  it('close() resolves within closeTimeoutMs with Redis frozen (SIGSTOP), dropping the connections and saying so', async () => {
    const run = await start(uniqueQueueName(), { closeTimeoutMs: 1000 });
    await waitFor(() => run.reports.length >= 1, 10_000);
    backend.server.pause();
    try {
      const startedAt = Date.now();
      await stop(run);
      expect(Date.now() - startedAt).toBeLessThan(1000 + 1500);
      expect(run.lines).toContainEqual(expect.stringMatching(/did not close within 1000 ms .*dropped its connections/));
    } finally {
      backend.server.resume();
    }
  });

  it('reads a conversation that failed again from where it was not read, while the checkpoint moves on', async () => {
    const delivered: AnyRecallEvent[] = [];
    const seq = await recallAt(Math.floor(Date.now() / 1000));
    app.fake.injectFault({
      command: 'group_open_http_svc/group_msg_get_simple',
      errorCode: 70001,
      errorInfo: 'expired',
    });
    const run = await start(uniqueQueueName(), {
      dedupe: { store: memoryStore() },
      onRecall: (event: AnyRecallEvent) => void delivered.push(event),
    });
    await waitFor(() => run.reports.length >= 1, 10_000);
    const [first] = run.reports;
    expect(first.failed.map((failure) => [failure.conversation, failure.permanent])).toEqual([
      [{ kind: 'group', groupId: group }, false],
    ]);
    await waitFor(() => run.reports.some((report) => report.delivered === 1), 10_000);
    const retried = run.reports.find((report) => report.delivered === 1) as ReconcileReport;
    // Read from the first pass's start, though the checkpoint had moved past it.
    expect(retried.readFrom).toEqual(first.since);
    expect(retried.since.getTime()).toBeGreaterThan(first.since.getTime());
    expect(delivered.map(recallId)).toEqual([`group ${group}/ ${seq}`]);
    await waitFor(() => run.reports.length >= 4, 10_000);
    expect(delivered).toHaveLength(1);
    expect((await run.reconciler.status()).retrying).toBe(0);
    expect(run.lines).toContainEqual(expect.stringMatching(/could not read 1 conversations to the end, read again/));
  });

  it('gives up a pass after passTimeoutMs, says which conversations were not finished, and reads them later', async () => {
    const late = app.fake.createGroup();
    app.fake.injectFault({ command: 'group_open_http_svc/group_msg_get_simple', delayMs: 1200 });
    const run = await start(uniqueQueueName(), {
      everyMs: 500,
      passTimeoutMs: 300,
      concurrency: 1,
      activeConversations: () => ({ groups: [group, late] }),
    });
    await waitFor(() => run.reports.length >= 2, 15_000);
    expect(run.reports[0].failed.map((failure) => [failure.conversation, failure.reason])).toEqual([
      [{ kind: 'group', groupId: late }, 'the pass was stopped before this conversation was read'],
    ]);
    expect(run.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `ran out of time \\(passTimeoutMs 300\\): 1 conversations not finished.*group ${late.replace(/[#$]/g, '.')}`,
        ),
      ),
    );
    await waitFor(() => run.reports.some((report) => report.scanned.groups === 2), 15_000);
  });

  it('catches up at most maxCatchUpMs after a checkpoint older than that, and says from when', async () => {
    const queueName = uniqueQueueName();
    const client = createClient({ url: backend.server.url });
    await client.connect();
    try {
      await client.set(`bull:${queueName}:reconcile:checkpoint`, String(Date.now() - 8 * 24 * 3600 * 1000));
    } finally {
      await client.quit();
    }
    const run = await start(queueName, { maxCatchUpMs: 60_000 });
    await waitFor(() => run.reports.length >= 1, 10_000);
    const [first] = run.reports;
    expect(first.until.getTime() - first.since.getTime()).toBe(60_000);
    expect(run.lines).toContainEqual(
      expect.stringMatching(/reconciliation is \d+ s behind, more than maxCatchUpMs: reading from .*not looked for/),
    );
  });

  it('warns at start when handlers get recalls with neither a queue nor a dedupe store', async () => {
    const run = await start(uniqueQueueName());
    expect(run.lines).toContainEqual(expect.stringMatching(/neither a `queue` nor a `dedupe` store/));
    const guarded = await start(uniqueQueueName(), { dedupe: { store: memoryStore() } });
    expect(guarded.lines).toEqual([]);
  });
});

async function flushAll(url: string): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    await client.flushAll();
  } finally {
    await client.quit();
  }
}
