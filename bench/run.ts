// `npm run bench`: throughput, latency, CPU per request and memory of the package against what a
// user would write instead, plus require time and a core micro-benchmark. Bounded in time; writes
// the figures to bench-results.json (or --output). `npm run bench -- --help` lists the flags.
// npm run bench compiles bench/ and lib/ with tsc into dist-bench/ and runs it with plain node, so
// every process runs the JavaScript users run, without a TypeScript loader in the measured path.
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { coldStart, coldTargets } from './cold-start';
import { COLD_START_RUNS, pinning, readConfig, type Config } from './config';
import { RECALL_BODY } from './fixtures';
import { instructionCounts } from './instructions';
import { memory, requireTimes } from './memory';
import { coreMicro } from './micro';
import { stopChildren } from './processes';
import { checkTargets, printTargets } from './targets';
import { throughput } from './throughput';

async function main(): Promise<void> {
  const config = readConfig();
  // The package's entry point as tsc compiles it (the same compiler options as npm run build);
  // this file runs as dist-bench/bench/run.js.
  const entryPoint = join(__dirname, '..', 'lib', 'entries', 'index.js');
  // Read before pinning: afterwards this process sees only its own core.
  const cores = availableParallelism();
  const pin = pinning(config, cores);
  const machine = {
    nproc: cores,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg(),
    pinning: pin.note,
  };
  console.log(`Node ${machine.node}, nproc ${machine.nproc}, ${machine.cpu}; ${pin.note}`);
  if (config.instructions) {
    const counts = await instructionCounts(config, pin.prefix);
    writeResults(config, { date: new Date().toISOString(), machine, instructions: counts });
    return;
  }
  if (config.cold) {
    const cold = coldStart(pin.prefix, COLD_START_RUNS);
    const checked = coldTargets(cold);
    printTargets(checked);
    writeResults(config, { date: new Date().toISOString(), machine, coldStart: cold, targets: checked });
    return;
  }

  const { summaries, floors } = await throughput(config, pin.prefix);
  const memoryResult = config.memoryRequests > 0 ? await memory(config, pin.prefix) : undefined;
  const requireTime = requireTimes(pin.prefix, entryPoint);
  const cold = coldStart(pin.prefix, COLD_START_RUNS);
  const micro = coreMicro(config, pin.prefix);

  const checked = [...checkTargets({ summaries, floors, memory: memoryResult, micro }), ...coldTargets(cold)];
  printTargets(checked);

  writeResults(config, {
    date: new Date().toISOString(),
    machine,
    bodyBytes: Buffer.byteLength(RECALL_BODY),
    servers: summaries,
    versusFloors: floors,
    memory: memoryResult,
    requireTime,
    coldStart: cold,
    core: micro,
    targets: checked,
  });
}

function writeResults(config: Config, results: { date: string; machine: object } & Record<string, unknown>): void {
  const { date, machine, ...figures } = results;
  const json = { date, machine, config: { ...config, output: undefined }, ...figures };
  writeFileSync(config.output, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nWrote ${config.output}`);
}

// Whatever happens, no server child outlives the run.
process.on('exit', stopChildren);
main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  stopChildren();
  process.exitCode = 1;
});
