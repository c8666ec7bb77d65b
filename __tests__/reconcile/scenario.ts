/** A Tencent Chat app on the fake server whose receiver missed recalls, and what a pass should find. */
import { createServer } from 'node:http';
import { createChatApiClient, type ChatApiClient } from '../../lib/reconcile/chat-api-client';
import { startFakeChatServer, type FakeChatServer } from '../../lib/testing/fake-chat-server';
import { createRecallListener } from '../../lib/adapters/node-http';
import { reconcileRecalls, type ReconcileOptions, type ReconcileReport } from '../../lib/reconcile/reconcile';
import type { AnyRecallEvent } from '../../lib/protocol/types';
import type { RecallWebhookOptions } from '../../lib/http/types';
import { listenOnLoopback, type RunningApp } from '../support/deliveries';

export const SDK_APP_ID = 1400000777;
export const SECRET_KEY = 'the-app-secret-key';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Long enough that a one-to-one history page (about 13 KB) holds about twenty messages. */
const LONG_TEXT = 'x'.repeat(500);

/** A fake whose clock the test moves, and a client for it. */
export interface FakeApp {
  fake: FakeChatServer;
  client: ChatApiClient;
  /** The fake's clock, ms. */
  clock: { now: number };
  close(): Promise<void>;
}

export async function startFakeApp(options: { maxCallsPerSecond?: number } = {}): Promise<FakeApp> {
  const clock = { now: Date.now() };
  const fake = await startFakeChatServer({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, now: () => clock.now });
  const client = createChatApiClient({
    sdkAppId: SDK_APP_ID,
    secretKey: SECRET_KEY,
    baseUrl: fake.baseUrl,
    maxCallsPerSecond: options.maxCallsPerSecond ?? 150,
    // The test moves the fake's clock over days.
    userSigExpireSeconds: 30 * 24 * 60 * 60,
  });
  return { fake, client, clock, close: () => fake.close() };
}

/** A fake app filled with the scenario for the enclosing suite: read its fields inside tests. */
export function filledFakeApp(): { readonly app: FakeApp; readonly scenario: Scenario } {
  const filled = {} as { app: FakeApp; scenario: Scenario };
  beforeAll(async () => {
    filled.app = await startFakeApp();
    filled.scenario = await fillScenario(filled.app);
  });
  afterAll(() => filled.app.close());
  return filled;
}

/** The identity of a recall, the same whichever source reported it. */
export function recallId(event: AnyRecallEvent): string {
  if (event.callbackCommand === 'C2C.CallbackAfterMsgWithDraw') {
    return `c2c ${event.fromAccount}>${event.toAccount} ${event.msgKey}`;
  }
  if (event.callbackCommand === 'OfficialAccount.CallbackAfterMsgWithDraw') {
    return event.messages.map((m) => `official ${event.officialAccount} ${m.msgKey}`).join(';');
  }
  return event.messages.map((m) => `group ${event.groupId}/${event.topicId ?? ''} ${m.msgSeq}`).join(';');
}

export interface Scenario {
  groups: Array<string | { groupId: string; topicId: string }>;
  conversations: Array<{ account: string; peer: string }>;
  missingGroup: string;
  avChatRoom: string;
  /** A group with only old messages (sent before the window). */
  oldGroup: string;
  /** A group with one page of recent messages. */
  busyGroup: string;
  /** `recallId` of every recall made within the window. */
  expected: string[];
  /** When the recalls began, ms: a pass from here finds them all. */
  since: number;
}

/**
 * Fills the fake: a group with three pages of history, a community topic, a deleted message, a
 * recalled message so old that history reports it expired, a group with only old messages, an
 * AVChatRoom and one missing group; a one-to-one conversation of several pages with recalls in
 * both directions. Each recall goes through the fake, which fires the webhook at whatever
 * callback URL it has (none: the receiver is down).
 */
export async function fillScenario({ fake, clock }: FakeApp): Promise<Scenario> {
  const expected: string[] = [];
  const realNow = clock.now;

  // Nine days ago, beyond the seven days of roaming storage: recalled then, expired now.
  clock.now = realNow - 9 * DAY_MS;
  const busyGroup = fake.createGroup({ groupId: '@TGS#busy' });
  const ancient = fake.sendGroupMessage({ groupId: busyGroup, from: 'carol' });
  await fake.recallGroupMessage({ groupId: busyGroup, msgSeq: ancient.msgSeq });

  // A day ago: old messages, outside a window of the last hour.
  clock.now = realNow - DAY_MS;
  const oldGroup = fake.createGroup({ groupId: '@TGS#old' });
  for (let i = 0; i < 60; i++) fake.sendGroupMessage({ groupId: oldGroup, from: 'dave' });
  fake.sendGroupMessage({ groupId: busyGroup, from: 'carol' });
  const oldRecalled = fake.sendGroupMessage({ groupId: oldGroup, from: 'dave' });
  await fake.recallGroupMessage({ groupId: oldGroup, msgSeq: oldRecalled.msgSeq });

  // The window: the last ten minutes.
  clock.now = realNow - 10 * 60 * 1000;
  const since = clock.now;
  const topic = '@TGS#_@TGS#community@TOPIC#_news';
  const community = fake.createGroup({ groupId: '@TGS#_@TGS#community', type: 'Community', topics: [topic] });
  const avChatRoom = fake.createGroup({ groupId: '@TGS#live', type: 'AVChatRoom' });
  const busySeqs: number[] = [];
  for (let i = 0; i < 50; i++) {
    clock.now += 1000;
    busySeqs.push(fake.sendGroupMessage({ groupId: busyGroup, from: i % 2 ? 'alice' : 'bob' }).msgSeq);
  }
  // Spread over the three pages the history is read in (20 a page, newest first).
  for (const msgSeq of [busySeqs[1], busySeqs[25], busySeqs[48]]) {
    await fake.recallGroupMessage({ groupId: busyGroup, msgSeq });
    expected.push(`group ${busyGroup}/ ${msgSeq}`);
  }
  fake.deleteGroupMessage({ groupId: busyGroup, msgSeq: busySeqs[30] });
  const topicMessages = [0, 1, 2].map(() =>
    fake.sendGroupMessage({ groupId: community, topicId: topic, from: 'erin' }),
  );
  await fake.recallGroupMessage({ groupId: community, topicId: topic, msgSeq: topicMessages[1].msgSeq });
  expected.push(`group ${community}/${topic} ${topicMessages[1].msgSeq}`);
  // Sent before the window by less than the recall time limit, recalled within it.
  clock.now = since - 60 * 1000;
  const justBefore = fake.sendGroupMessage({ groupId: community, from: 'erin' });
  clock.now = since + 5000;
  await fake.recallGroupMessage({ groupId: community, msgSeq: justBefore.msgSeq });
  expected.push(`group ${community}/ ${justBefore.msgSeq}`);

  // One-to-one: sixty long messages each way, alternating, so history takes several pages.
  const keys: Array<{ from: string; to: string; msgKey: string }> = [];
  for (let i = 0; i < 60; i++) {
    clock.now += 1000;
    const [from, to] = i % 2 ? ['alice', 'bob'] : ['bob', 'alice'];
    keys.push({ from, to, ...fake.sendC2CMessage({ from, to, text: LONG_TEXT }) });
  }
  for (const index of [2, 31, 57, 58]) {
    await fake.recallC2CMessage(keys[index]);
    expected.push(`c2c ${keys[index].from}>${keys[index].to} ${keys[index].msgKey}`);
  }
  // A recall in another conversation the pass is not told about is not found.
  const stranger = fake.sendC2CMessage({ from: 'mallory', to: 'trent' });
  await fake.recallC2CMessage({ from: 'mallory', to: 'trent', msgKey: stranger.msgKey });

  clock.now = realNow;
  await fake.webhooksSettled();
  return {
    groups: [busyGroup, { groupId: community, topicId: topic }, community, oldGroup, avChatRoom, '@TGS#missing'],
    conversations: [{ account: 'alice', peer: 'bob' }],
    missingGroup: '@TGS#missing',
    avChatRoom,
    oldGroup,
    busyGroup,
    expected: expected.sort(),
    since,
  };
}

/** A pass over the scenario's window, groups and conversations; `options` add to them or replace them. */
export function passOver(
  app: FakeApp,
  scenario: Scenario,
  options: Partial<ReconcileOptions>,
): Promise<ReconcileReport> {
  return reconcileRecalls({
    client: app.client,
    since: scenario.since,
    groups: scenario.groups,
    conversations: scenario.conversations,
    ...options,
  });
}

/** A receiver (createRecallListener) on a loopback port. */
export function startReceiver(options: Omit<RecallWebhookOptions<never>, 'sdkAppId'>): Promise<RunningApp> {
  const listener = createRecallListener({ sdkAppId: SDK_APP_ID, ...options });
  return listenOnLoopback(createServer(listener as never).listen(0, '127.0.0.1'));
}

const OK_ANSWER = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' };

/**
 * A fake app for the enclosing suite whose history answers a test scripts one at a time, with a
 * pass over the last 10 minutes that records what it delivered (emptied before each test).
 */
export function scriptedFakeApp() {
  const scripted = {
    app: undefined as unknown as FakeApp,
    delivered: [] as AnyRecallEvent[],
    pass: (options: Partial<ReconcileOptions>): Promise<ReconcileReport> =>
      reconcileRecalls({
        client: scripted.app.client,
        since: Date.now() - 10 * 60 * 1000,
        onRecall: (event) => void scripted.delivered.push(event),
        onC2CRecall: (event) => void scripted.delivered.push(event),
        ...options,
      }),
    /** The next answer of `command` is OK with these fields. */
    answerNext: (command: string, fields: object): void =>
      scripted.app.fake.injectFault({ command, rawBody: JSON.stringify({ ...OK_ANSWER, ...fields }) }),
  };
  beforeAll(async () => {
    scripted.app = await startFakeApp();
  });
  afterAll(() => scripted.app.close());
  beforeEach(() => void scripted.delivered.splice(0));
  return scripted;
}
