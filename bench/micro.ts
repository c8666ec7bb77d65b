// The core micro-benchmark (bench/core-micro.ts) in a fresh process, pinned like the servers:
// the median of its rounds per case, printed.
import { spawnSync } from 'node:child_process';
import type { Config } from './config';
import type { MicroResult } from './core-micro';
import { median } from './figures';
import { nodeCommand, ROOT } from './processes';

export type MicroSummary = MicroResult & { eventsPerSecond: number; eventsPerCpuSecond: number };

export function coreMicro(config: Config, prefix: string[]): MicroSummary[] {
  const [command, args] = nodeCommand(prefix, [], 'core-micro.js', [
    String(config.microDurationMs),
    String(config.rounds),
  ]);
  const run = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: (config.rounds + 1) * 2 * config.microDurationMs * 3 + 30_000,
  });
  if (run.status !== 0) throw new Error(`core micro-benchmark failed: ${run.stderr}`);
  const micro = (JSON.parse(run.stdout) as MicroResult[]).map((result) => ({
    ...result,
    eventsPerSecond: median(result.rounds),
    eventsPerCpuSecond: median(result.cpuRounds),
  }));
  console.log('\nCore alone (no HTTP), median of rounds:');
  for (const result of micro) {
    console.log(
      `  ${result.case.padEnd(8)} ${result.eventsPerCpuSecond.toFixed(0).padStart(8)} events per CPU second, ` +
        `${result.eventsPerSecond.toFixed(0).padStart(8)} per wall-clock second (answer ${result.status})`,
    );
  }
  return micro;
}
