/**
 * A scheduled pass on real Redis that cannot finish: a list of what to read that never comes
 * (the pass gives up as incomplete), and a store that cannot record the failed pass; and one
 * that reads the conversations on its retry list (one-to-one, topic, plain group) from where
 * each was not read, but never from further back than maxCatchUpMs.
 */
import type { Queue } from 'bullmq';
import type { AnyRecallEvent } from '../../lib/protocol/types';
import { GROUP_HISTORY_COMMAND } from '../../lib/reconcile/reconcile';
import { createFailureLog, normalizeLog } from '../../lib/delivery/log';
import { runScheduledPass, type ScheduledPassSettings } from '../../lib/durable/reconcile-scheduled-pass';
import {
  conversationKey,
  ReconcileStore,
  type ReconcilePassStatus,
  type RetryingConversation,
} from '../../lib/durable/reconcile-store';
import { describeWithRedis, openQueue, startRedisBackend, uniqueQueueName, type Backend } from '../support/bullmq';
import type { TestRedisServer } from '../support/redis-server';
import { recallId, startFakeApp, type FakeApp } from '../reconcile/scenario';

jest.setTimeout(30_000);

describeWithRedis('a scheduled pass that cannot finish', () => {
  let backend: Backend & { server: TestRedisServer };
  let app: FakeApp;
  let queue: Queue;
  const lines: string[] = [];

  beforeEach(async () => {
    backend = await startRedisBackend();
    app = await startFakeApp();
    queue = openQueue(backend, uniqueQueueName());
    lines.splice(0);
  });
  afterEach(async () => {
    await queue.close();
    await app.close();
    await backend.stop();
  });

  function settings(store: ReconcileStore, overrides: Partial<ScheduledPassSettings>): ScheduledPassSettings {
    const write = (line: string) => void lines.push(line);
    return {
      store,
      passOptions: { client: app.client, onRecall: () => undefined },
      activeConversations: () => ({ groups: [] }),
      everyMs: 60_000,
      windowMs: 60_000,
      maxCatchUpMs: 3_600_000,
      passTimeoutMs: 60_000,
      failures: createFailureLog(normalizeLog({ warn: write, error: write })),
      stop: new AbortController().signal,
      memory: {},
      ...overrides,
    };
  }

  it('rejects, keeping the checkpoint, when what to read is not listed before the pass runs out of time', async () => {
    const store = new ReconcileStore(queue);
    await store.advanceCheckpoint(Date.now() - 30_000);
    const checkpoint = await store.checkpoint();
    await expect(
      runScheduledPass(settings(store, { passTimeoutMs: 200, activeConversations: () => new Promise(() => {}) })),
    ).rejects.toThrow(
      'the pass ran out of time (passTimeoutMs 200) and could not list what it had not read: ' +
        'the checkpoint stays where it was, and the next pass reads the same window again',
    );
    expect(await store.checkpoint()).toBe(checkpoint);
    expect((await store.status()).lastPass).toMatchObject({ ok: false, delivered: 0, failed: 0 });
  });

  it("rejects with the pass's own error when the store cannot record the failed pass either", async () => {
    class UnrecordingStore extends ReconcileStore {
      override async recordPass(_pass: ReconcilePassStatus): Promise<void> {
        throw new Error('the store refused the write');
      }
    }
    const store = new UnrecordingStore(queue);
    await expect(
      runScheduledPass(
        settings(store, {
          activeConversations: () => {
            throw new Error('the archive of active conversations is down');
          },
        }),
      ),
    ).rejects.toThrow('the archive of active conversations is down');
    expect(await store.checkpoint()).toBeUndefined();
  });

  it('reads each due conversation of the retry list from where it was not read, and the listed ones once', async () => {
    const { fake } = app;
    const now = Date.now();
    const before = Math.floor((now - 30 * 60_000) / 1000);
    const topic = '@TGS#_@TGS#retried@TOPIC#_t';
    const community = fake.createGroup({ groupId: '@TGS#_@TGS#retried', type: 'Community', topics: [topic] });
    const plain = fake.createGroup({ groupId: '@TGS#plain' });
    const inTopic = fake.sendGroupMessage({ groupId: community, topicId: topic, from: 'erin', time: before });
    await fake.recallGroupMessage({ groupId: community, topicId: topic, msgSeq: inTopic.msgSeq });
    const inPlain = fake.sendGroupMessage({ groupId: plain, from: 'erin', time: before });
    await fake.recallGroupMessage({ groupId: plain, msgSeq: inPlain.msgSeq });
    const c2c = fake.sendC2CMessage({ from: 'alice', to: 'bob', time: before });
    await fake.recallC2CMessage({ from: 'alice', to: 'bob', msgKey: c2c.msgKey });

    const store = new ReconcileStore(queue);
    await store.advanceCheckpoint(now - 60_000);
    const due = (conversation: RetryingConversation['conversation']): [string, RetryingConversation] => [
      conversationKey(conversation),
      { conversation, since: now - 40 * 60_000, attempts: 1, retryAt: now - 1000, reason: 'earlier failure' },
    ];
    await store.updateRetrying(
      new Map([
        due({ kind: 'c2c', account: 'alice', peer: 'bob' }),
        due({ kind: 'group', groupId: community, topicId: topic }),
        due({ kind: 'group', groupId: plain }),
      ]),
      [],
    );
    // The next two history reads (the listed group, twice) fail in a way worth retrying.
    fake.injectFault({ command: GROUP_HISTORY_COMMAND, httpStatus: 502, times: 2 });
    const delivered: AnyRecallEvent[] = [];
    const onRecall = (event: AnyRecallEvent) => void delivered.push(event);
    const callsBefore = fake.calls.length;

    const report = await runScheduledPass(
      settings(store, {
        passOptions: { client: app.client, onRecall, onC2CRecall: onRecall },
        activeConversations: () => ({ groups: ['@TGS#flaky', '@TGS#flaky', { groupId: plain }] }),
      }),
    );

    expect(delivered.map(recallId).sort()).toEqual(
      [
        `c2c alice>bob ${c2c.msgKey}`,
        `group ${community}/${topic} ${inTopic.msgSeq}`,
        `group ${plain}/ ${inPlain.msgSeq}`,
      ].sort(),
    );
    // The report reads from the retry list's start, not the checkpoint's.
    expect(report.readFrom.getTime()).toBeLessThanOrEqual(now - 40 * 60_000);
    const plainReads = fake.calls
      .slice(callsBefore)
      .filter((call) => call.command === GROUP_HISTORY_COMMAND && (call.body as { GroupId: string }).GroupId === plain);
    expect(plainReads).toHaveLength(1);
    const retrying = await store.retrying();
    expect([...retrying.keys()]).toEqual([conversationKey({ kind: 'group', groupId: '@TGS#flaky' })]);
    expect([...retrying.values()][0]).toMatchObject({ attempts: 1 });
  });

  it('reads a conversation on the retry list from no further back than maxCatchUpMs', async () => {
    const { fake } = app;
    const now = Date.now();
    const plain = fake.createGroup({ groupId: '@TGS#behind' });
    const tooOld = fake.sendGroupMessage({
      groupId: plain,
      from: 'erin',
      time: Math.floor((now - 90 * 60_000) / 1000),
    });
    await fake.recallGroupMessage({ groupId: plain, msgSeq: tooOld.msgSeq });
    const recent = fake.sendGroupMessage({
      groupId: plain,
      from: 'erin',
      time: Math.floor((now - 30 * 60_000) / 1000),
    });
    await fake.recallGroupMessage({ groupId: plain, msgSeq: recent.msgSeq });
    const store = new ReconcileStore(queue);
    await store.advanceCheckpoint(now - 2 * 3_600_000);
    const conversation = { kind: 'group' as const, groupId: plain };
    await store.updateRetrying(
      new Map([
        [
          conversationKey(conversation),
          { conversation, since: now - 3 * 3_600_000, attempts: 2, retryAt: now - 1000, reason: 'earlier failure' },
        ],
      ]),
      [],
    );
    const delivered: AnyRecallEvent[] = [];
    const report = await runScheduledPass(
      settings(store, {
        maxCatchUpMs: 3_600_000,
        passOptions: { client: app.client, onRecall: (event) => void delivered.push(event), recallTimeLimitSeconds: 0 },
        activeConversations: () => ({ groups: [] }),
      }),
    );
    expect(delivered.map(recallId)).toEqual([`group ${plain}/ ${recent.msgSeq}`]);
    expect(report.readFrom.getTime()).toBe(report.until.getTime() - 3_600_000);
    expect(lines).toContainEqual(expect.stringMatching(/more than maxCatchUpMs/));
    expect(await store.retrying()).toEqual(new Map());
  });
});
