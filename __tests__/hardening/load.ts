import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import express from 'express';
import fc from 'fast-check';
import { recallWebhook } from '../../lib/entries';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { listen, send } from './http';
import {
  CASE_HEADER,
  expectedOutcome,
  FAIL_HEADER,
  fuzzCase,
  LIMIT,
  NOW,
  SDK_APP_ID,
  TOKEN,
  TOLERANCE_SECONDS,
} from './support';

const path = `/callback?${new URLSearchParams(createCallbackQuery(SDK_APP_ID))}`;
const OK_TEXT = JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });

/** Sends `count` requests, at most `concurrency` at a time. */
async function inBatches<T>(count: number, concurrency: number, one: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await one(index);
      }
    }),
  );
  return results;
}

/** `count` valid recalls sent all at once, each on its own connection. */
export async function concurrentValidRequests(count: number) {
  const seen = new Map<number, number>();
  let inFlight = 0;
  let mostInFlight = 0;
  const app = express();
  app.use(
    '/callback',
    recallWebhook({
      sdkAppId: SDK_APP_ID,
      onRecall: async (event) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        const seq = event.messages[0].msgSeq;
        seen.set(seq, (seen.get(seq) ?? 0) + 1);
      },
    }),
  );
  const running = await listen(app, 4096);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  try {
    const bodies = Array.from({ length: count }, () => createRecallEvent());
    const answers = await Promise.all(
      bodies.map((body) => send(running.port, path, { body: JSON.stringify(body), agent })),
    );
    return {
      answers,
      sentSeqs: bodies.map((body) => body.MsgSeqList[0].MsgSeq),
      seen,
      mostInFlight,
    };
  } finally {
    agent.destroy();
    await running.close();
  }
}

export function isOkAnswer(answer: { status: number; text: string }): boolean {
  return answer.status === 200 && answer.text === OK_TEXT;
}

/** A flood of generated requests (valid and invalid mixed), sent `concurrency` at a time. */
export async function mixedFlood(count: number, concurrency: number, seed: number) {
  const delivered = new Map<string, number>();
  const deliver = (req: express.Request) => {
    const id = req.get(CASE_HEADER)!;
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
    if (req.get(FAIL_HEADER) === 'true') throw new Error('handler failure');
  };
  const app = express();
  app.use(
    '/callback',
    recallWebhook<express.Request>({
      sdkAppId: SDK_APP_ID,
      token: TOKEN,
      now: () => NOW,
      toleranceSeconds: TOLERANCE_SECONDS,
      limit: LIMIT,
      onRecall: (_event, req) => deliver(req),
      onC2CRecall: (_event, req) => deliver(req),
      onOfficialAccountRecall: (_event, req) => deliver(req),
    }),
  );
  app.use((_req, res) => void res.status(204).end());
  const running = await listen(app);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const cases = fc.sample(fuzzCase, { numRuns: count, seed });
  try {
    const outcomes = await inBatches(count, concurrency, async (index) => {
      const fuzz = cases[index];
      const headers: http.OutgoingHttpHeaders = {
        [CASE_HEADER]: String(index),
        [FAIL_HEADER]: String(fuzz.handlerFails),
      };
      if (fuzz.contentType !== undefined) headers['content-type'] = fuzz.contentType;
      if (fuzz.contentEncoding !== undefined) headers['content-encoding'] = fuzz.contentEncoding;
      const answer = await send(running.port, `/callback?${fuzz.query}`, {
        method: fuzz.method,
        headers,
        body: fuzz.body,
        chunks: fuzz.chunks,
        agent,
      });
      const expected = expectedOutcome(fuzz, { tokenRequired: true });
      return { id: String(index), status: answer.status, expected };
    });
    const valid = outcomes.filter((outcome) => !outcome.expected.passedOn && outcome.expected.event !== undefined);
    const invalid = outcomes.filter((outcome) => outcome.expected.passedOn || outcome.expected.event === undefined);
    return {
      valid: valid.length,
      invalid: invalid.length,
      lostValid: valid.filter((outcome) => delivered.get(outcome.id) !== 1).length,
      acceptedInvalid: invalid.filter((outcome) => delivered.has(outcome.id)).length,
      wrongStatus: outcomes
        .filter((outcome) => outcome.status !== (outcome.expected.passedOn ? 204 : outcome.expected.status))
        .map((outcome) => ({
          id: outcome.id,
          status: outcome.status,
          expected: outcome.expected.passedOn ? 'passed on' : outcome.expected.status,
        })),
    };
  } finally {
    agent.destroy();
    await running.close();
  }
}

let collectGarbage: (() => void) | undefined;

/** A full garbage collection, without needing `node --expose-gc`. */
async function forceGc(): Promise<void> {
  if (collectGarbage === undefined) {
    v8.setFlagsFromString('--expose-gc');
    collectGarbage = vm.runInNewContext('gc') as () => void;
  }
  for (let round = 0; round < 3; round++) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * `count` valid recalls over keep-alive connections to a handler that throws every tenth time;
 * the heap after a forced GC, before and after, once `warmUp` requests (a multiple of 10) have filled the caches.
 */
export async function soakWithFailingHandler(count: number, warmUp: number, concurrency: number) {
  let calls = 0;
  let reported = 0;
  const app = express();
  app.use(
    '/callback',
    recallWebhook({
      sdkAppId: SDK_APP_ID,
      onRecall: () => {
        calls++;
        if (calls % 10 === 0) throw new Error(`failure ${calls}`);
      },
      onError: () => void reported++,
    }),
  );
  const running = await listen(app);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = JSON.stringify(createRecallEvent());
  const sendOne = () => send(running.port, path, { body, agent }).then((answer) => answer.status);
  try {
    await inBatches(warmUp, concurrency, sendOne);
    await forceGc();
    const heapBefore = process.memoryUsage().heapUsed;
    const statuses = await inBatches(count, concurrency, sendOne);
    await forceGc();
    const heapAfter = process.memoryUsage().heapUsed;
    return {
      ok: statuses.filter((status) => status === 200).length,
      failed: statuses.filter((status) => status === 500).length,
      other: statuses.filter((status) => status !== 200 && status !== 500).length,
      calls: calls - warmUp,
      reported: reported - Math.floor(warmUp / 10),
      heapBefore,
      heapAfter,
    };
  } finally {
    agent.destroy();
    await running.close();
  }
}

const MB = 1024 * 1024;
export const formatMb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
export { MB };
