// The core alone, no HTTP: how many callbacks per second it checks, validates and answers.
// Started by bench/run.ts as dist-bench/bench/core-micro.js <durationMs> <rounds>; prints JSON.
import { createRecallCore, type IncomingCallback } from '../lib/core';
import { createCallbackQuery, createRecallEvent } from '../lib/testing';
import { SDK_APP_ID } from './fixtures';

export interface MicroResult {
  case: 'valid' | 'rejected';
  /** Events per second of wall-clock time, one per round. */
  rounds: number[];
  /**
   * Events per second of this process's CPU time, one per round: what one core sustains, and far
   * steadier than wall-clock time when other processes share the core.
   */
  cpuRounds: number[];
  status: number;
}

const BATCH = 1000;

async function measure(
  caseName: MicroResult['case'],
  body: object,
  durationMs: number,
  rounds: number,
): Promise<MicroResult> {
  const core = createRecallCore<null>({ sdkAppId: SDK_APP_ID, onRecall: async () => {} }, 'bench');
  const bytes = Buffer.from(JSON.stringify(body));
  const query = String(new URLSearchParams(createCallbackQuery(SDK_APP_ID)));
  // A fresh URLSearchParams per request from the query string, as the adapters build one.
  const command = core.claims('POST', new URLSearchParams(query))!;
  const incoming = (): IncomingCallback<null> => ({
    command,
    params: new URLSearchParams(query),
    request: null,
    label: 'POST /bench',
    readBody: () => Promise.resolve({ kind: 'bytes', bytes }),
  });
  const status = (await core.handle(incoming())).status;
  const perSecond: number[] = [];
  const perCpuSecond: number[] = [];
  for (let round = 0; round < rounds + 1; round++) {
    let handled = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < durationMs) {
      for (let i = 0; i < BATCH; i++) await core.handle(incoming());
      handled += BATCH;
      elapsed = performance.now() - started;
    }
    const cpu = process.cpuUsage(cpuBefore);
    // Round 0 warms the JIT and is not counted.
    if (round > 0) {
      perSecond.push((handled * 1000) / elapsed);
      perCpuSecond.push((handled * 1e6) / (cpu.user + cpu.system));
    }
  }
  return { case: caseName, rounds: perSecond, cpuRounds: perCpuSecond, status };
}

async function main(): Promise<void> {
  const durationMs = Number(process.argv[2]);
  const rounds = Number(process.argv[3]);
  const valid = createRecallEvent();
  // A plausible mistake the schema must catch: MsgSeq as a string (the schema does not convert).
  const rejected = { ...valid, MsgSeqList: [{ MsgSeq: '130', MsgId: 'x' }] } as unknown as object;
  const results: MicroResult[] = [
    await measure('valid', valid, durationMs, rounds),
    await measure('rejected', rejected, durationMs, rounds),
  ];
  process.stdout.write(JSON.stringify(results));
}

if (require.main === module) void main();
