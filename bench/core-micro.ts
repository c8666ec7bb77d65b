// The core alone, no HTTP: how many callbacks per second it checks, validates and answers.
// Started by bench/micro.ts as dist-bench/bench/core-micro.js <durationMs> <rounds>; prints JSON.
import { createRecallCore, type IncomingCallback } from '../lib/http/pipeline';
import { C2C_RECALL_COMMAND, RECALL_COMMAND } from '../lib/protocol/types';
import { createC2CRecallEvent, createCallbackQuery, createRecallEvent } from '../lib/testing/index';
import { SDK_APP_ID } from './fixtures';

export interface MicroResult {
  /** `valid` and `rejected` are group recalls; `c2c-valid` a one-to-one recall. */
  case: 'valid' | 'rejected' | 'c2c-valid';
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

interface Runner {
  result: MicroResult;
  handle: () => Promise<unknown>;
}

async function prepare(
  caseName: MicroResult['case'],
  body: object,
  callbackCommand: string = RECALL_COMMAND,
): Promise<Runner> {
  const core = createRecallCore<null>(
    { sdkAppId: SDK_APP_ID, onRecall: async () => {}, onC2CRecall: async () => {} },
    'bench',
  );
  const bytes = Buffer.from(JSON.stringify(body));
  const query = String(new URLSearchParams(createCallbackQuery(SDK_APP_ID, { callbackCommand })));
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
  return { result: { case: caseName, rounds: [], cpuRounds: [], status }, handle: () => core.handle(incoming()) };
}

/** One round of `durationMs`: events per wall-clock second and per CPU second. */
async function round(runner: Runner, durationMs: number): Promise<[number, number]> {
  let handled = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < BATCH; i++) await runner.handle();
    handled += BATCH;
    elapsed = performance.now() - started;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return [(handled * 1000) / elapsed, (handled * 1e6) / (cpu.user + cpu.system)];
}

async function main(): Promise<void> {
  const durationMs = Number(process.argv[2]);
  const rounds = Number(process.argv[3]);
  const valid = createRecallEvent();
  // A plausible mistake the schema must catch: MsgSeq as a string (the schema does not convert).
  const rejected = { ...valid, MsgSeqList: [{ MsgSeq: '130', MsgId: 'x' }] } as unknown as object;
  const runners = [
    await prepare('valid', valid),
    await prepare('rejected', rejected),
    await prepare('c2c-valid', createC2CRecallEvent(), C2C_RECALL_COMMAND),
  ];
  // The cases take turns round by round, so that a change in the machine's load touches them alike
  // and their ratios hold. Round 0 warms the JIT and is not counted.
  for (let index = 0; index < rounds + 1; index++) {
    for (const runner of runners) {
      const [perSecond, perCpuSecond] = await round(runner, durationMs);
      if (index === 0) continue;
      runner.result.rounds.push(perSecond);
      runner.result.cpuRounds.push(perCpuSecond);
    }
  }
  process.stdout.write(JSON.stringify(runners.map((runner) => runner.result)));
}

if (require.main === module) void main();
