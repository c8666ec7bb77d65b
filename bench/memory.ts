// The package's footprint: how the middleware's memory grows under load, and how long a fresh
// process takes to require the package (and express + joi, what a user would require instead).
import { spawnSync } from 'node:child_process';
import type { Config } from './config';
import { median, megabytes } from './figures';
import { assertAnswersOk, load } from './load';
import { ROOT, startServer } from './processes';

const MEMORY_WARMUP_REQUESTS = 20_000;
const MEMORY_CHECKPOINTS = 4;
const REQUIRE_SAMPLES = 7;

interface MemoryCheckpoint {
  requests: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface MemoryResult {
  warmupRequests: number;
  requests: number;
  failures: number;
  rssGrowthBytes: number;
  heapGrowthBytes: number;
  checkpoints: MemoryCheckpoint[];
}

async function measureMemory(config: Config, prefix: string[]): Promise<MemoryResult> {
  const server = await startServer('middleware', prefix, ['--expose-gc']);
  try {
    await assertAnswersOk(server);
    await load(server, config.connections, { amount: MEMORY_WARMUP_REQUESTS });
    const checkpoint = async (requests: number): Promise<MemoryCheckpoint> => {
      const { memory: usage } = await server.sample(true);
      return { requests, rssBytes: usage.rss, heapUsedBytes: usage.heapUsed };
    };
    const checkpoints = [await checkpoint(0)];
    const chunk = Math.ceil(config.memoryRequests / MEMORY_CHECKPOINTS);
    let failures = 0;
    for (let sent = 0; sent < config.memoryRequests;) {
      const amount = Math.min(chunk, config.memoryRequests - sent);
      const result = await load(server, config.connections, { amount });
      failures += result.failures;
      sent += result.requests;
      checkpoints.push(await checkpoint(sent));
      if (result.requests === 0) break;
    }
    const first = checkpoints[0];
    const last = checkpoints[checkpoints.length - 1];
    return {
      warmupRequests: MEMORY_WARMUP_REQUESTS,
      requests: last.requests,
      failures,
      rssGrowthBytes: last.rssBytes - first.rssBytes,
      heapGrowthBytes: last.heapUsedBytes - first.heapUsedBytes,
      checkpoints,
    };
  } finally {
    server.stop();
  }
}

/** `config.memoryRequests` requests through `middleware` after a warm-up, with the memory at checkpoints, printed. */
export async function memory(config: Config, prefix: string[]): Promise<MemoryResult> {
  console.log(
    `\nMemory: ${config.memoryRequests} requests through middleware after ${MEMORY_WARMUP_REQUESTS} to warm up`,
  );
  const result = await measureMemory(config, prefix);
  for (const point of result.checkpoints) {
    console.log(
      `  after ${String(point.requests).padStart(7)}: RSS ${megabytes(point.rssBytes)}, heap used ${megabytes(point.heapUsedBytes)}`,
    );
  }
  console.log(`  growth: RSS ${megabytes(result.rssGrowthBytes)}, heap ${megabytes(result.heapGrowthBytes)}`);
  return result;
}

interface RequireTime {
  medianMs: number;
  samplesMs: number[];
}

/** Milliseconds to `require` the given modules in a fresh Node process, median of several processes. */
function requireTime(prefix: string[], modules: string[]): RequireTime {
  const script =
    'const started = process.hrtime.bigint();' +
    `for (const name of ${JSON.stringify(modules)}) require(name);` +
    'process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));';
  const samplesMs: number[] = [];
  for (let i = 0; i < REQUIRE_SAMPLES; i++) {
    const command = [...prefix, process.execPath, '-e', script];
    const run = spawnSync(command[0], command.slice(1), { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    if (run.status !== 0) throw new Error(`require of ${modules.join(' + ')} failed: ${run.stderr}`);
    samplesMs.push(Number(run.stdout));
  }
  return { medianMs: median(samplesMs), samplesMs };
}

/** The require time of the package's `entryPoint` and of express + joi, printed. */
export function requireTimes(
  prefix: string[],
  entryPoint: string,
): { package: RequireTime; expressAndJoi: RequireTime } {
  const packageRequire = requireTime(prefix, [entryPoint]);
  const expressJoiRequire = requireTime(prefix, ['express', 'joi']);
  console.log(
    `\nrequire: package ${packageRequire.medianMs.toFixed(1)} ms, express + joi ${expressJoiRequire.medianMs.toFixed(1)} ms (median of ${REQUIRE_SAMPLES} fresh processes)`,
  );
  return { package: packageRequire, expressAndJoi: expressJoiRequire };
}
