/**
 * Scheduled reconciliation on BullMQ with a real redis-server: two processes' reconcilers share
 * one schedule and never run two passes at once; listActiveGroups on the fake Chat server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startRecallReconciler, type RecallReconciler } from '../../lib/durable/reconcile-scheduler';
import { memoryStore } from '../../lib/delivery/memory-store';
import {
  GROUP_INFO_COMMAND,
  GROUP_LIST_COMMAND,
  listActiveGroups,
  TOPIC_LIST_COMMAND,
} from '../../lib/reconcile/active-groups';
import { reconcileRecalls, type ReconcileReport } from '../../lib/reconcile/reconcile';
import type { AnyRecallEvent } from '../../lib/protocol/types';
import { describeWithRedis, openQueue, startRedisBackend, uniqueQueueName, type Backend } from '../support/bullmq';
import { waitFor } from '../support/deliveries';
import { filledFakeApp, recallId, startFakeApp } from './scenario';

jest.setTimeout(60_000);

const filled = filledFakeApp();

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('listActiveGroups', () => {
  it('lists the groups with a message in the window and the topics of communities, without AVChatRooms and quiet groups', async () => {
    const before = filled.app.fake.calls.length;
    const groups = await collect(listActiveGroups(filled.app.client, { since: filled.scenario.since }));
    const community = '@TGS#_@TGS#community';
    expect(groups).toEqual(
      expect.arrayContaining([
        filled.scenario.busyGroup,
        community,
        { groupId: community, topicId: `${community}@TOPIC#_news` },
      ]),
    );
    expect(groups).toHaveLength(3);
    const commands = filled.app.fake.calls.slice(before).map((call) => call.command);
    expect(commands).toEqual([GROUP_LIST_COMMAND, GROUP_INFO_COMMAND, TOPIC_LIST_COMMAND]);
    expect(filled.app.fake.calls.at(-1)?.body).toEqual({ GroupId: community, From_Account: 'administrator' });
  });

  it('skips a topic whose last message was sent before the window, and finds the topic recalls in a pass', async () => {
    const topics = await collect(listActiveGroups(filled.app.client, { since: Date.now() + 3_600_000 }));
    expect(topics).toEqual([]);
    const found: AnyRecallEvent[] = [];
    await reconcileRecalls({
      client: filled.app.client,
      since: filled.scenario.since,
      groups: listActiveGroups(filled.app.client, { since: filled.scenario.since }),
      onRecall: (event) => void found.push(event),
    });
    const topicRecalls = found.filter((event) => 'topicId' in event && event.topicId !== undefined);
    expect(topicRecalls.map(recallId)).toEqual(filled.scenario.expected.filter((id) => id.includes('@TOPIC#')));
    expect(topicRecalls).not.toHaveLength(0);
  });

  it('asks get_group_info for 50 groups a call', async () => {
    const quiet = await startFakeApp();
    try {
      for (let i = 0; i < 120; i++) quiet.fake.createGroup();
      const before = quiet.fake.calls.length;
      expect(await collect(listActiveGroups(quiet.client, { since: Date.now() }))).toEqual([]);
      const infoCalls = quiet.fake.calls.slice(before).filter((call) => call.command === GROUP_INFO_COMMAND);
      expect(infoCalls.map((call) => (call.body as { GroupIdList: string[] }).GroupIdList.length)).toEqual([
        50, 50, 20,
      ]);
    } finally {
      await quiet.close();
    }
  });

  it('pages the group list with Next, and skips groups that are gone or say no LastMsgTime', async () => {
    const { fake } = filled.app;
    const ok = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' };
    const answers: Array<[string, object]> = [
      [GROUP_LIST_COMMAND, { ...ok, GroupIdList: [{ GroupId: '@TGS#gone' }, { GroupId: '@TGS#mute' }], Next: 2 }],
      [
        GROUP_INFO_COMMAND,
        {
          ...ok,
          GroupInfo: [
            { GroupId: '@TGS#gone', ErrorCode: 10010 },
            { GroupId: '@TGS#mute', ErrorCode: 0, Type: 'Public' },
          ],
        },
      ],
      [GROUP_LIST_COMMAND, { ...ok, GroupIdList: [{ GroupId: '@TGS#x' }], Next: 3 }],
      [GROUP_INFO_COMMAND, ok],
      [GROUP_LIST_COMMAND, ok],
    ];
    for (const [command, answer] of answers) fake.injectFault({ command, rawBody: JSON.stringify(answer) });
    const before = fake.calls.length;
    expect(await collect(listActiveGroups(filled.app.client, { since: filled.scenario.since }))).toEqual([]);
    const listCalls = fake.calls.slice(before).filter((call) => call.command === GROUP_LIST_COMMAND);
    expect(listCalls.map((call) => (call.body as { Next?: number }).Next)).toEqual([undefined, 2, 3]);
  });

  it('feeds reconcileRecalls: the window start minus the recall time limit counts', async () => {
    const groups = await collect(
      listActiveGroups(filled.app.client, { since: Date.now() - 60_000, recallTimeLimitSeconds: 0 }),
    );
    expect(groups).toEqual([]);
    await expect(collect(listActiveGroups(filled.app.client, { since: 'never' as never }))).rejects.toThrow(/"since"/);
  });
});

describeWithRedis('startRecallReconciler', () => {
  let backend: Backend & { server: { url: string } };
  const reconcilers: RecallReconciler[] = [];

  beforeAll(async () => {
    backend = await startRedisBackend();
  });
  afterAll(() => backend.stop());
  afterEach(async () => {
    await Promise.all(reconcilers.splice(0).map((reconciler) => reconciler.close()));
  });

  it('runs a pass every interval across two processes, never two at once, each from the last checkpoint, each recall delivered once', async () => {
    const queueName = uniqueQueueName();
    const store = memoryStore();
    const delivered: AnyRecallEvent[] = [];
    const reports: ReconcileReport[] = [];
    const windows: Array<{ since: Date; until: Date }> = [];
    let running = 0;
    let mostAtOnce = 0;
    const start = () =>
      startRecallReconciler({
        queueName,
        connection: { url: backend.server.url, maxRetriesPerRequest: null } as never,
        client: filled.app.client,
        everyMs: 200,
        windowMs: 15 * 60 * 1000,
        dedupe: { store },
        onRecall: (event) => void delivered.push(event),
        onC2CRecall: (event) => void delivered.push(event),
        // Slower than the interval: a second process would start a pass if nothing stopped it.
        activeConversations: async (window) => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          windows.push(window);
          await sleep(300);
          running -= 1;
          return { groups: filled.scenario.groups, conversations: filled.scenario.conversations };
        },
        onReport: (report) => void reports.push(report),
      });
    reconcilers.push(await start(), await start());
    await waitFor(() => reports.length >= 3, 20_000);

    expect(mostAtOnce).toBe(1);
    expect(delivered.map(recallId).sort()).toEqual(filled.scenario.expected);
    expect(reports[0].delivered).toBe(filled.scenario.expected.length);
    expect(reports.slice(1).every((report) => report.delivered === 0)).toBe(true);
    // The first pass has no checkpoint and reads windowMs; each later one reads on from where the one before stopped.
    expect(windows[0].until.getTime() - windows[0].since.getTime()).toBe(15 * 60 * 1000);
    for (let i = 1; i < windows.length; i++) expect(windows[i].since).toEqual(windows[i - 1].until);
  });

  it('reports a pass that failed as a whole, and goes on', async () => {
    const errors: Error[] = [];
    let calls = 0;
    const queueName = uniqueQueueName();
    const reconciler = await startRecallReconciler({
      queueName,
      connection: { url: backend.server.url, maxRetriesPerRequest: null } as never,
      client: filled.app.client,
      everyMs: 100,
      onRecall: () => undefined,
      activeConversations: () => {
        calls += 1;
        throw new Error('archive unreachable');
      },
      onError: (error) => void errors.push(error),
    });
    await waitFor(() => calls >= 2, 10_000);
    expect(errors[0].message).toBe('archive unreachable');
    await reconciler.removeSchedule();
    const queue = openQueue(backend, queueName);
    try {
      expect(await queue.getJobSchedulers()).toEqual([]);
    } finally {
      await queue.close();
    }
  });

  it('rejects invalid options', async () => {
    await expect(startRecallReconciler({ queueName: 'x' } as never)).rejects.toThrow(
      /startRecallReconciler: invalid options: "connection" is required/,
    );
  });

  it("rejects a pass's invalid options at start, as the pass would, and schedules nothing", async () => {
    const queueName = uniqueQueueName();
    const start = (passOptions: object) =>
      startRecallReconciler({
        queueName,
        connection: { url: backend.server.url, maxRetriesPerRequest: null } as never,
        client: filled.app.client,
        everyMs: 100,
        activeConversations: () => ({ groups: filled.scenario.groups }),
        ...passOptions,
      });
    await expect(start({ onRecall: () => undefined, concurrency: 0 })).rejects.toThrow(
      /^startRecallReconciler: invalid options: "concurrency" must be greater than or equal to 1$/,
    );
    await expect(start({ onRecal: () => undefined })).rejects.toThrow(
      /^startRecallReconciler: invalid options: "onRecal" is not allowed$/,
    );
    await expect(start({})).rejects.toThrow(
      /^startRecallReconciler: invalid options: at least one of "onRecall", "onC2CRecall" or "queue" is required$/,
    );
    await expect(start({ onRecall: () => undefined, dedupe: { store: {} } })).rejects.toThrow(
      /^startRecallReconciler: invalid options: "dedupe.store" must have claim\(key, ttlMs\) and release\(key\) methods$/,
    );
    const queue = openQueue(backend, queueName);
    try {
      expect(await queue.getJobSchedulers()).toEqual([]);
    } finally {
      await queue.close();
    }
  });
});
