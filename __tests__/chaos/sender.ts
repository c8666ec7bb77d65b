/** The chaos test's Tencent: distinct recalls at a steady pace, some sent twice, each with a 2 s deadline. */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createC2CRecallEvent,
  createCallbackQuery,
  createMsgSeqList,
  createRecallEvent,
} from '../../lib/testing/index';
import type { C2CRecallCallbackBody, GroupRecallCallbackBody } from '../../lib/protocol/types';

/** Tencent waits this long for an answer, then counts the callback as failed (or retries it). */
export const TENCENT_DEADLINE_MS = 2000;

export type Outcome = 'ok' | 'fail' | 'timeout' | 'connection-error';

export interface Answer {
  outcome: Outcome;
  /** When it came (or the deadline passed), on the `performance.now()` clock. */
  at: number;
}

export interface PlannedRecall {
  id: string;
  body: GroupRecallCallbackBody | C2CRecallCallbackBody;
  /** Sent a second time, as Tencent's retry on timeout would. */
  twice: boolean;
  answers: Answer[];
}

/** What identifies a recall, in the sender's bodies and in the workers' records alike. */
export function recallId(recall: { groupId: string; msgSeqs: number[] } | { msgKey: string }): string {
  return 'msgKey' in recall ? `c2c ${recall.msgKey}` : `group ${recall.groupId} ${recall.msgSeqs.join(',')}`;
}

/** A number in [0, 1) that depends only on the seed and the key: the same run plans the same recalls. */
export function draw(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}:${key}`).digest().readUInt32BE(0) / 2 ** 32;
}

const GROUPS = 40;

/**
 * `count` distinct recalls: three in four from one of 40 groups (one to three messages each), the
 * rest one-to-one; `twiceShare` of them are sent twice.
 */
export function planRecalls(count: number, twiceShare: number, seed: number): PlannedRecall[] {
  const nextSeq = new Array<number>(GROUPS).fill(1000);
  return Array.from({ length: count }, (_, index) => {
    const twice = draw(seed, `twice ${index}`) < twiceShare;
    if (draw(seed, `kind ${index}`) < 0.25) {
      const body = createC2CRecallEvent();
      return { id: recallId({ msgKey: body.MsgKey }), body, twice, answers: [] };
    }
    const group = Math.floor(draw(seed, `group ${index}`) * GROUPS);
    const size = 1 + Math.floor(draw(seed, `size ${index}`) * 3);
    const msgSeqs = Array.from({ length: size }, () => nextSeq[group]++);
    const groupId = `@TGS#2CHAOS${group}`;
    const body = createRecallEvent({ Type: 'Public', GroupId: groupId, MsgSeqList: createMsgSeqList(msgSeqs) });
    return { id: recallId({ groupId, msgSeqs }), body, twice, answers: [] };
  });
}

export interface SenderOptions {
  sdkAppId: number;
  token: string;
  seed: number;
  /** The callback URLs of the receivers still alive; the sender reads it before each request. */
  targets: () => string[];
  /** Whole run length: the recalls are spread evenly over it. */
  durationMs: number;
  /** Pause between a recall's first answer and its second copy. */
  retryAfterMs: number;
  /** Stops the sending: no request starts once it is aborted. */
  signal: AbortSignal;
}

/**
 * Sends every planned recall once, at a steady pace, and the ones marked `twice` again after the
 * first answer (to the other receiver half of the time); records each answer in `answers`.
 */
export async function sendRecalls(recalls: PlannedRecall[], options: SenderOptions): Promise<void> {
  const interval = options.durationMs / recalls.length;
  const startedAt = performance.now();
  const deliveries: Promise<void>[] = [];
  for (const [index, recall] of recalls.entries()) {
    const wait = startedAt + index * interval - performance.now();
    if (wait > 0) await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
    if (options.signal.aborted) break;
    deliveries.push(deliverRecall(recall, index, options));
  }
  await Promise.all(deliveries);
}

async function deliverRecall(recall: PlannedRecall, index: number, options: SenderOptions): Promise<void> {
  const first = pick(options.targets(), draw(options.seed, `target ${index}`));
  recall.answers.push(await post(first, recall.body, options));
  if (!recall.twice) return;
  await sleep(options.retryAfterMs);
  if (options.signal.aborted) return;
  const alive = options.targets();
  const other = alive.find((url) => url !== first);
  const second = other && draw(options.seed, `retry target ${index}`) < 0.5 ? other : first;
  recall.answers.push(await post(alive.includes(second) ? second : pick(alive, 0), recall.body, options));
}

function pick(urls: string[], at: number): string {
  return urls[Math.floor(at * urls.length)];
}

async function post(
  url: string,
  body: GroupRecallCallbackBody | C2CRecallCallbackBody,
  options: SenderOptions,
): Promise<Answer> {
  const query = new URLSearchParams(
    createCallbackQuery(options.sdkAppId, { token: options.token, callbackCommand: body.CallbackCommand }),
  );
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${url}?${query}`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TENCENT_DEADLINE_MS),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const outcome = (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection-error';
    return { outcome, at: performance.now() };
  }
  // As Tencent counts it: OK is a 200 whose JSON body says OK; anything else is a failure.
  return { outcome: status === 200 && answeredOk(text) ? 'ok' : 'fail', at: performance.now() };
}

function answeredOk(text: string): boolean {
  try {
    return (JSON.parse(text) as { ActionStatus?: unknown }).ActionStatus === 'OK';
  } catch {
    return false;
  }
}
