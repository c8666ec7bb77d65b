// The flags of `npm run bench` and the pinning of processes to cores.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FLOOR_OF, SERVER_KINDS, type ServerKind } from './protocol';

const TASKSET = '/usr/bin/taskset';
const TOLERANCE_SECONDS = 60;
export const COLD_START_RUNS = 21;
export const INSTRUCTION_WARMUP_REQUESTS = 12_000;
export const INSTRUCTION_REQUESTS = 8_000;

const USAGE = `npm run bench -- [flags]
  --duration <s>          seconds per round and server (default 10, at most 50: the signed query must stay fresh)
  --rounds <n>            interleaved rounds per server (default 5)
  --connections <n>       concurrent connections (default 10)
  --warmup <s>            unrecorded warm-up per server before the first round (default 3)
  --memory-requests <n>   requests through \`middleware\` for the memory figure, 0 to skip (default 200000)
  --micro-duration <ms>   duration of each core micro-benchmark round (default 2000)
  --servers <list>        comma-separated subset of ${SERVER_KINDS.join(', ')}
                          (each one's floor is measured too)
  --server-core <n>       core for servers and the micro-benchmark (default 0)
  --load-core <n>         core for the load generator (default 1)
  --no-pin                do not pin processes to cores
  --instructions          instead of timing, count the instructions each server executes per
                          request under valgrind's callgrind (${INSTRUCTION_WARMUP_REQUESTS} requests to warm up, then ${INSTRUCTION_REQUESTS}):
                          far steadier than CPU time if nothing else runs (queue servers are left
                          out: their work is mostly Redis's)
  --cold                  only the cold path: fresh processes that import an entry point of dist/,
                          create the handler and answer one signed recall, against @octokit/webhooks
                          (${COLD_START_RUNS} runs each; the full run measures it too)
  --output <file>         JSON results (default bench-results.json)`;

export interface Config {
  durationSeconds: number;
  rounds: number;
  connections: number;
  warmupSeconds: number;
  memoryRequests: number;
  microDurationMs: number;
  servers: ServerKind[];
  serverCore: number;
  loadCore: number;
  pin: boolean;
  instructions: boolean;
  cold: boolean;
  output: string;
}

export function readConfig(): Config {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      'memory-requests': { type: 'string', default: '200000' },
      'micro-duration': { type: 'string', default: '2000' },
      servers: { type: 'string', default: SERVER_KINDS.join(',') },
      'server-core': { type: 'string', default: '0' },
      'load-core': { type: 'string', default: '1' },
      'no-pin': { type: 'boolean', default: false },
      instructions: { type: 'boolean', default: false },
      cold: { type: 'boolean', default: false },
      output: { type: 'string', default: 'bench-results.json' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const integer = (name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${text}\n${USAGE}`);
    }
    return value;
  };
  const chosen = values.servers.split(',').map((name) => name.trim());
  for (const name of chosen) {
    if (!(SERVER_KINDS as readonly string[]).includes(name)) throw new Error(`unknown server ${name}\n${USAGE}`);
  }
  // Every ratio needs its floor measured in the same run.
  const wanted = new Set(chosen.flatMap((name) => [name, FLOOR_OF[name as ServerKind]]));
  const servers = SERVER_KINDS.filter((kind) => wanted.has(kind));
  return {
    durationSeconds: integer('duration', values.duration, 1, TOLERANCE_SECONDS - 10),
    rounds: integer('rounds', values.rounds, 1),
    connections: integer('connections', values.connections, 1),
    warmupSeconds: integer('warmup', values.warmup, 0),
    memoryRequests: integer('memory-requests', values['memory-requests'], 0),
    microDurationMs: integer('micro-duration', values['micro-duration'], 100),
    servers,
    serverCore: integer('server-core', values['server-core'], 0),
    loadCore: integer('load-core', values['load-core'], 0),
    pin: !values['no-pin'],
    instructions: values.instructions,
    cold: values.cold,
    output: resolve(values.output),
  };
}

/** Pins this process (the load generator) and returns the command prefix that pins a child. */
export function pinning(config: Config, cores: number): { pinned: boolean; prefix: string[]; note: string } {
  if (!config.pin) return { pinned: false, prefix: [], note: 'not pinned (--no-pin)' };
  if (!existsSync(TASKSET)) return { pinned: false, prefix: [], note: `not pinned: ${TASKSET} not found` };
  if (cores < 2 || config.serverCore === config.loadCore) {
    return { pinned: false, prefix: [], note: 'not pinned: needs two distinct cores' };
  }
  execFileSync(TASKSET, ['-a', '-p', '-c', String(config.loadCore), String(process.pid)], { stdio: 'ignore' });
  return {
    pinned: true,
    prefix: [TASKSET, '-c', String(config.serverCore)],
    note: `servers on core ${config.serverCore}, load generator on core ${config.loadCore}`,
  };
}
