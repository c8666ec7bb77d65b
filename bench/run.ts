// `npm run bench`: throughput, latency, CPU per request and memory of the package against what a
// user would write instead, plus require time and a core micro-benchmark. Bounded in time; writes
// the figures to bench-results.json (or --output). `npm run bench -- --help` lists the flags.
// npm run bench compiles bench/ and lib/ with tsc into dist-bench/ and runs it with plain node, so
// every process runs the JavaScript users run, without a TypeScript loader in the measured path.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { createHistogram } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import IORedis from 'ioredis';
import { callgrindInstalled, callgrindPrefix, countFrom, readInstructions, stopCounting } from './callgrind';
import { RECALL_BODY, signedPath, UNSIGNED_PATH } from './fixtures';
import type { MicroResult } from './core-micro';
import { FLOOR_OF, QUEUE_KINDS, SERVER_KINDS, SIGNED_KINDS, type ServerKind, type ServerReply } from './protocol';

// This file runs as dist-bench/bench/run.js.
const ROOT = resolve(__dirname, '..', '..');
const TASKSET = '/usr/bin/taskset';
const TOLERANCE_SECONDS = 60;
const MEMORY_WARMUP_REQUESTS = 20_000;
const MEMORY_CHECKPOINTS = 4;
const REQUIRE_SAMPLES = 7;
const INSTRUCTION_WARMUP_REQUESTS = 12_000;
const INSTRUCTION_REQUESTS = 8_000;
// Under callgrind a server answers a few hundred requests a second: loads of this size keep each
// signed query well inside its RequestTime window, since each load signs its own.
const INSTRUCTION_CHUNK_REQUESTS = 2_000;

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
  --output <file>         JSON results (default bench-results.json)`;

interface Config {
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
  output: string;
}

function readConfig(): Config {
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
    output: resolve(values.output),
  };
}

/** Pins this process (the load generator) and returns the command prefix that pins a child. */
function pinning(config: Config, cores: number): { pinned: boolean; prefix: string[]; note: string } {
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

const children = new Set<ChildProcess>();

function stopChildren(): void {
  for (const child of children) child.kill();
  children.clear();
}

/** Runs a compiled script of bench/ in a fresh Node process (pinned when `prefix` is set). */
function nodeCommand(prefix: string[], nodeArgs: string[], script: string, args: string[]): [string, string[]] {
  const command = [...prefix, process.execPath, ...nodeArgs, join(__dirname, script), ...args];
  return [command[0], command.slice(1)];
}

interface ServerHandle {
  kind: ServerKind;
  port: number;
  pid: number;
  /** Settles when the server process has exited. */
  exited: Promise<unknown>;
  sample(collectGarbage?: boolean): Promise<Extract<ServerReply, { type: 'sample' }>>;
  stop(): void;
}

function startServer(
  kind: ServerKind,
  prefix: string[],
  nodeArgs: string[] = [],
  redis?: RedisHandle,
): Promise<ServerHandle> {
  const [command, args] = nodeCommand(prefix, nodeArgs, 'server.js', [kind, ...(redis ? [redis.url] : [])]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  const nextReply = <T extends ServerReply['type']>(type: T) =>
    new Promise<Extract<ServerReply, { type: T }>>((resolveReply, reject) => {
      const onMessage = (message: ServerReply) => {
        if (message.type !== type) return;
        cleanup();
        resolveReply(message as Extract<ServerReply, { type: T }>);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`server ${kind} exited with ${code} before answering`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  return nextReply('listening').then(({ port }) => ({
    kind,
    port,
    pid: child.pid!,
    exited: new Promise((resolveExit) => child.once('exit', resolveExit)),
    sample(collectGarbage = false) {
      const reply = nextReply('sample');
      child.send({ type: 'sample', collectGarbage });
      return reply;
    },
    stop() {
      child.disconnect();
      children.delete(child);
    },
  }));
}

/**
 * The redis-server the queue kinds add their jobs to: on loopback, pinned like the servers,
 * without persistence (the figure compared is the Node process's CPU, not Redis's fsync).
 */
interface RedisHandle {
  url: string;
  /** How many jobs wait in the queue of a queue kind (bench/server.ts names it bench-<kind>). */
  waitingJobs(kind: ServerKind): Promise<number>;
  /** Empties Redis between rounds, outside the measured window, so it does not fill up. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

async function startRedis(prefix: string[]): Promise<RedisHandle> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`${QUEUE_KINDS.join(' and ')} need redis-server on the PATH; or leave them out with --servers`);
  }
  const port = await freePort();
  const command = [...prefix, 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  command.push('--appendonly', 'no');
  const child = spawn(command[0], command.slice(1), { stdio: 'ignore' });
  children.add(child);
  const url = `redis://127.0.0.1:${port}`;
  const client = new IORedis(url, { maxRetriesPerRequest: 3, retryStrategy: (times) => (times > 50 ? null : 100) });
  client.on('error', () => undefined);
  await client.ping();
  return {
    url,
    waitingJobs: (kind) => client.llen(`bull:bench-${kind}:wait`),
    flush: async () => void (await client.flushall()),
    async stop() {
      client.disconnect();
      children.delete(child);
      child.kill();
      await once(child, 'exit');
    },
  };
}

function pathFor(kind: ServerKind): string {
  return SIGNED_KINDS.has(kind) ? signedPath() : UNSIGNED_PATH;
}

/** One request before measuring: a server that does not answer OK would make every figure meaningless. */
async function assertAnswersOk(server: ServerHandle): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${server.port}${pathFor(server.kind)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: RECALL_BODY,
  });
  const text = await response.text();
  if (response.status !== 200 || JSON.parse(text).ActionStatus !== 'OK') {
    throw new Error(`${server.kind} answered ${response.status} ${text}`);
  }
}

interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses other than 200, connection errors and timeouts: any of them spoils the round. */
  failures: number;
}

let recallCount = 0;
const recallTemplate = JSON.parse(RECALL_BODY) as { MsgSeqList: Array<{ MsgSeq: number }> };

/** A recall no earlier request of this run sent: the next MsgSeq. */
function distinctRecallBody(): string {
  recallTemplate.MsgSeqList[0].MsgSeq = 1_000_000 + ++recallCount;
  return JSON.stringify(recallTemplate);
}

/**
 * Load on one server. The queue kinds get a distinct recall in every request (a copy would be
 * deduplicated, and cost less); the others get the same body every time.
 */
function load(
  target: { port: number; kind: ServerKind },
  connections: number,
  limit: { seconds: number } | { amount: number },
) {
  const path = pathFor(target.kind);
  const request = { method: 'POST' as const, path, headers: { 'content-type': 'application/json' } };
  const requests = QUEUE_KINDS.includes(target.kind)
    ? [{ ...request, setupRequest: (req: object) => ({ ...req, body: distinctRecallBody() }) }]
    : [{ ...request, body: RECALL_BODY }];
  return new Promise<LoadResult>((resolveLoad, reject) => {
    // autocannon's own histogram keeps whole milliseconds; loopback latencies need microseconds.
    const latencyMicros = createHistogram();
    let failures = 0;
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${target.port}`,
        connections,
        ...('seconds' in limit ? { duration: limit.seconds } : { amount: limit.amount }),
        requests,
      },
      (error, result) => {
        clearTimeout(safety);
        if (error) {
          reject(error);
          return;
        }
        const requests = result.requests.total;
        resolveLoad({
          requests,
          seconds: result.duration,
          requestsPerSecond: requests / result.duration,
          p50Ms: latencyMicros.percentile(50) / 1000,
          p99Ms: latencyMicros.percentile(99) / 1000,
          failures: failures + result.errors + result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode !== 200) failures++;
      latencyMicros.record(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
    // A run by count has no duration of its own: stop it if the server stalls.
    const safety = setTimeout(() => instance.stop(), 'seconds' in limit ? (limit.seconds + 30) * 1000 : 600_000);
  });
}

interface Round extends LoadResult {
  round: number;
  cpuMicrosPerRequest: number;
  /** The part of that CPU spent in user space (the rest is the kernel's: sockets, scheduling). */
  userShare: number;
  rssBytes: number;
}

async function measureRound(
  server: ServerHandle,
  config: Config,
  round: number,
  redis: RedisHandle | undefined,
): Promise<Round> {
  const before = await server.sample();
  const result = await load(server, config.connections, { seconds: config.durationSeconds });
  const after = await server.sample();
  const userMicros = after.cpu.user - before.cpu.user;
  const cpuMicros = userMicros + (after.cpu.system - before.cpu.system);
  const measured = {
    round,
    ...result,
    cpuMicrosPerRequest: cpuMicros / result.requests,
    userShare: userMicros / cpuMicros,
    rssBytes: after.memory.rss,
  };
  if (redis && QUEUE_KINDS.includes(server.kind)) await checkEveryRecallStored(server.kind, measured, redis, config);
  return measured;
}

/**
 * Every answered request of a queue kind must have become its own job: as many waiting jobs as
 * answers, plus at most one per connection for requests cut off when the round ended.
 */
async function checkEveryRecallStored(kind: ServerKind, round: Round, redis: RedisHandle, config: Config) {
  const stored = await redis.waitingJobs(kind);
  if (stored < round.requests - round.failures || stored > round.requests + config.connections) {
    throw new Error(`${kind}: ${round.requests} requests answered, but ${stored} jobs stored`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface ServerSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  userShare: number;
  failures: number;
  rounds: Round[];
}

function summarise(rounds: Round[]): ServerSummary {
  return {
    requestsPerSecond: median(rounds.map((round) => round.requestsPerSecond)),
    p50Ms: median(rounds.map((round) => round.p50Ms)),
    p99Ms: median(rounds.map((round) => round.p99Ms)),
    cpuMicrosPerRequest: median(rounds.map((round) => round.cpuMicrosPerRequest)),
    userShare: median(rounds.map((round) => round.userShare)),
    failures: rounds.reduce((sum, round) => sum + round.failures, 0),
    rounds,
  };
}

async function throughput(config: Config, prefix: string[]): Promise<Partial<Record<ServerKind, ServerSummary>>> {
  const servers: ServerHandle[] = [];
  const redis = config.servers.some((kind) => QUEUE_KINDS.includes(kind)) ? await startRedis(prefix) : undefined;
  const rounds = new Map<ServerKind, Round[]>(config.servers.map((kind) => [kind, []]));
  try {
    for (const kind of config.servers) servers.push(await startServer(kind, prefix, [], redis));
    for (const server of servers) {
      await assertAnswersOk(server);
      if (config.warmupSeconds > 0) {
        await load(server, config.connections, { seconds: config.warmupSeconds });
      }
      await redis?.flush();
    }
    for (let round = 1; round <= config.rounds; round++) {
      // Interleaved, and each round starts one server later, so drift and position hit all alike.
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(i + round - 1) % servers.length];
        const measured = await measureRound(server, config, round, redis);
        await redis?.flush();
        rounds.get(server.kind)!.push(measured);
        console.log(
          `  round ${round}/${config.rounds} ${server.kind.padEnd(19)} ${measured.requestsPerSecond.toFixed(0).padStart(7)} req/s` +
            `  ${measured.cpuMicrosPerRequest.toFixed(1).padStart(6)} µs CPU/req` +
            (measured.failures > 0 ? `  ${measured.failures} FAILURES` : ''),
        );
      }
    }
  } finally {
    for (const server of servers) server.stop();
    await redis?.stop();
  }
  return Object.fromEntries([...rounds].map(([kind, list]) => [kind, summarise(list)]));
}

interface InstructionCount {
  requests: number;
  perRequest: number;
  /** Per request, leaving out V8's optimizing compiler, whose share varies from run to run. */
  perRequestWithoutCompiler: number;
}

/** Each server in turn under callgrind: warmed up uncounted, then a fixed number of requests counted. */
async function instructionCounts(
  config: Config,
  prefix: string[],
): Promise<Partial<Record<ServerKind, InstructionCount>>> {
  if (!callgrindInstalled()) throw new Error('--instructions needs valgrind (apt-get install -y valgrind)');
  const dumps = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  const counts: Partial<Record<ServerKind, InstructionCount>> = {};
  try {
    for (const kind of config.servers.filter((server) => !QUEUE_KINDS.includes(server))) {
      const outFile = join(dumps, kind.replace('+', '-'));
      const server = await startServer(kind, [...prefix, ...callgrindPrefix(outFile)]);
      try {
        await assertAnswersOk(server);
        await loadInChunks(server, config.connections, INSTRUCTION_WARMUP_REQUESTS);
        countFrom(server.pid);
        const requests = await loadInChunks(server, config.connections, INSTRUCTION_REQUESTS);
        const { total, compiler } = readInstructions(stopCounting(server.pid, outFile));
        counts[kind] = {
          requests,
          perRequest: total / requests,
          perRequestWithoutCompiler: (total - compiler) / requests,
        };
      } finally {
        server.stop();
        // valgrind writes its last file as the server exits: only then may the folder go.
        await server.exited;
      }
      const count = counts[kind]!;
      console.log(
        `  ${kind.padEnd(19)} ${Math.round(count.perRequest).toLocaleString('en').padStart(9)} instructions/request, ` +
          `${Math.round(count.perRequestWithoutCompiler).toLocaleString('en').padStart(9)} without V8's compiler`,
      );
    }
  } finally {
    rmSync(dumps, { recursive: true, force: true });
  }
  return counts;
}

/** Sends `amount` requests in loads of INSTRUCTION_CHUNK_REQUESTS, each signed afresh; throws if any failed. */
async function loadInChunks(server: ServerHandle, connections: number, amount: number): Promise<number> {
  let sent = 0;
  while (sent < amount) {
    const result = await load(server, connections, { amount: Math.min(INSTRUCTION_CHUNK_REQUESTS, amount - sent) });
    if (result.failures > 0) throw new Error(`${server.kind}: ${result.failures} requests failed`);
    sent += result.requests;
  }
  return sent;
}

/** Each server against its floor by instruction count, and what the token adds to the listener. */
function printInstructionRatios(counts: Partial<Record<ServerKind, InstructionCount>>): void {
  console.log("\nWithout V8's compiler, against the floor (floor's instructions over the server's):");
  for (const kind of SERVER_KINDS) {
    const count = counts[kind];
    const floor = counts[FLOOR_OF[kind]];
    if (!count || !floor || kind === FLOOR_OF[kind]) continue;
    console.log(
      `  ${kind.padEnd(19)} ${ratio(floor.perRequestWithoutCompiler, count.perRequestWithoutCompiler)} ${FLOOR_OF[kind]}`,
    );
  }
  const unsigned = counts.listener;
  const signed = counts['listener+token'];
  const floor = counts['node-http'];
  if (unsigned && signed && floor) {
    const added = signed.perRequestWithoutCompiler - unsigned.perRequestWithoutCompiler;
    console.log(
      `  listener+token executes ${Math.round(added).toLocaleString('en')} instructions a request more than listener ` +
        `(${((100 * added) / floor.perRequestWithoutCompiler).toFixed(1)} % of node-http's)`,
    );
  }
}

interface MemoryCheckpoint {
  requests: number;
  rssBytes: number;
  heapUsedBytes: number;
}

async function memory(config: Config, prefix: string[]) {
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

/** Milliseconds to `require` the given modules in a fresh Node process, median of several processes. */
function requireTime(prefix: string[], modules: string[]): { medianMs: number; samplesMs: number[] } {
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

type MicroSummary = MicroResult & { eventsPerSecond: number; eventsPerCpuSecond: number };

function coreMicro(config: Config, prefix: string[]): MicroSummary[] {
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
  return (JSON.parse(run.stdout) as MicroResult[]).map((result) => ({
    ...result,
    eventsPerSecond: median(result.rounds),
    eventsPerCpuSecond: median(result.cpuRounds),
  }));
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ratio = (value: number, base: number | undefined) => (base === undefined ? '–' : `${(value / base).toFixed(2)}×`);

/** Median over rounds of `measure(server's round, floor's round)`: rounds pair up, measured close in time. */
function pairedMedian(
  summary: ServerSummary,
  floor: ServerSummary,
  measure: (round: Round, floorRound: Round) => number,
): number {
  const floorRounds = new Map(floor.rounds.map((round) => [round.round, round]));
  return median(
    summary.rounds.flatMap((round) => {
      const floorRound = floorRounds.get(round.round);
      return floorRound ? [measure(round, floorRound)] : [];
    }),
  );
}

interface VersusFloor {
  floor: ServerKind;
  /** The floor's CPU per request over this server's: 1 is the floor itself, 0.9 means 11 % more CPU. */
  cpuEfficiency: number;
  throughputRatio: number;
}

function versusFloors(summaries: Partial<Record<ServerKind, ServerSummary>>): Partial<Record<ServerKind, VersusFloor>> {
  const result: Partial<Record<ServerKind, VersusFloor>> = {};
  for (const kind of SERVER_KINDS) {
    const summary = summaries[kind];
    const floor = summaries[FLOOR_OF[kind]];
    if (!summary || !floor) continue;
    result[kind] = {
      floor: FLOOR_OF[kind],
      cpuEfficiency: pairedMedian(
        summary,
        floor,
        (round, base) => base.cpuMicrosPerRequest / round.cpuMicrosPerRequest,
      ),
      throughputRatio: pairedMedian(summary, floor, (round, base) => round.requestsPerSecond / base.requestsPerSecond),
    };
  }
  return result;
}

function printTable(
  summaries: Partial<Record<ServerKind, ServerSummary>>,
  floors: Partial<Record<ServerKind, VersusFloor>>,
): void {
  const handwritten = summaries['express-handwritten'];
  const rows = [
    [
      'server',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'floor',
      'CPU efficiency vs floor',
      'req/s vs floor',
      'req/s vs express',
      'CPU vs express',
      'p99 vs express',
      'failures',
    ],
  ];
  for (const kind of SERVER_KINDS) {
    const summary = summaries[kind];
    if (!summary) continue;
    const versus = floors[kind];
    rows.push([
      kind,
      summary.requestsPerSecond.toFixed(0),
      summary.p50Ms.toFixed(2),
      summary.p99Ms.toFixed(2),
      summary.cpuMicrosPerRequest.toFixed(1),
      versus?.floor ?? '–',
      versus ? `${versus.cpuEfficiency.toFixed(2)}×` : '–',
      versus ? `${versus.throughputRatio.toFixed(2)}×` : '–',
      ratio(summary.requestsPerSecond, handwritten?.requestsPerSecond),
      ratio(summary.cpuMicrosPerRequest, handwritten?.cpuMicrosPerRequest),
      ratio(summary.p99Ms, handwritten?.p99Ms),
      String(summary.failures),
    ]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(line(rows[0]));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
}

/**
 * The queue mode's figure: the middleware's CPU per request over the hand-written route's, the
 * median of the per-round ratios (the two run back to back in every round, so drift hits both).
 */
function queueCpuRatio(summaries: Partial<Record<ServerKind, ServerSummary>>): number | undefined {
  const handwritten = summaries['queue-handwritten'];
  const middleware = summaries['queue-middleware'];
  if (!handwritten || !middleware) return undefined;
  return pairedMedian(middleware, handwritten, (round, base) => round.cpuMicrosPerRequest / base.cpuMicrosPerRequest);
}

/** The queue mode side by side: the middleware with `queue` against the route a user writes instead. */
function printQueueMode(summaries: Partial<Record<ServerKind, ServerSummary>>): void {
  const handwritten = summaries['queue-handwritten'];
  const middleware = summaries['queue-middleware'];
  const cpuRatio = queueCpuRatio(summaries);
  if (!handwritten || !middleware || cpuRatio === undefined) return;
  console.log('\nQueue mode (every request a distinct recall, added to BullMQ on the local redis-server):');
  for (const [name, summary] of [
    ['queue-handwritten', handwritten],
    ['queue-middleware', middleware],
  ] as const) {
    console.log(
      `  ${name.padEnd(18)} ${summary.cpuMicrosPerRequest.toFixed(1).padStart(6)} µs CPU/req` +
        `  ${summary.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${summary.p99Ms.toFixed(2)} ms`,
    );
  }
  console.log(
    `  CPU per request, middleware / hand-written route: ${cpuRatio.toFixed(2)}× (median of the per-round ratios)`,
  );
}

interface Target {
  target: string;
  measured: string;
  met: boolean;
}

function targets(
  summaries: Partial<Record<ServerKind, ServerSummary>>,
  floors: Partial<Record<ServerKind, VersusFloor>>,
  memoryResult: Awaited<ReturnType<typeof memory>> | undefined,
  micro: MicroSummary[],
): Target[] {
  const list: Target[] = [];
  const base = summaries['express-handwritten'];
  const middleware = summaries.middleware;
  const token = summaries['middleware+token'];
  if (base && middleware) {
    const throughputRatio = middleware.requestsPerSecond / base.requestsPerSecond;
    const cpuRatio = middleware.cpuMicrosPerRequest / base.cpuMicrosPerRequest;
    const p99Ratio = middleware.p99Ms / base.p99Ms;
    list.push({
      target: 'middleware req/s ≥ 1.0× express-handwritten',
      measured: `${throughputRatio.toFixed(2)}×`,
      met: throughputRatio >= 1,
    });
    list.push({
      target: 'middleware CPU/request ≤ express-handwritten',
      measured: `${cpuRatio.toFixed(2)}×`,
      met: cpuRatio <= 1,
    });
    list.push({
      target: 'middleware p99 ≤ 1.1× express-handwritten',
      measured: `${p99Ratio.toFixed(2)}×`,
      met: p99Ratio <= 1.1,
    });
  }
  if (base && token) {
    const tokenRatio = token.requestsPerSecond / base.requestsPerSecond;
    list.push({
      target: 'middleware+token req/s ≥ 0.95× express-handwritten',
      measured: `${tokenRatio.toFixed(2)}×`,
      met: tokenRatio >= 0.95,
    });
  }
  const cpuRatio = queueCpuRatio(summaries);
  if (cpuRatio !== undefined) {
    list.push({
      target: 'queue-middleware CPU/request ≤ queue-handwritten',
      measured: `${cpuRatio.toFixed(2)}×`,
      met: cpuRatio <= 1,
    });
  }
  const listener = summaries.listener;
  const listenerFloor = floors.listener;
  if (listenerFloor) {
    list.push({
      target: 'listener CPU efficiency ≥ 0.90× node-http',
      measured: `${listenerFloor.cpuEfficiency.toFixed(2)}×`,
      met: listenerFloor.cpuEfficiency >= 0.9,
    });
  }
  const signedListener = summaries['listener+token'];
  if (listener && signedListener) {
    const addedMicros = pairedMedian(
      signedListener,
      listener,
      (round, unsigned) => round.cpuMicrosPerRequest - unsigned.cpuMicrosPerRequest,
    );
    list.push({
      target: 'listener+token adds ≤ 3 µs CPU/request to listener',
      measured: `${addedMicros.toFixed(1)} µs`,
      met: addedMicros <= 3,
    });
  }
  if (memoryResult) {
    list.push({
      target: `RSS growth over ${memoryResult.requests} requests < 20 MB`,
      measured: megabytes(memoryResult.rssGrowthBytes),
      met: memoryResult.rssGrowthBytes < 20 * 1024 * 1024,
    });
  }
  const valid = micro.find((result) => result.case === 'valid');
  if (valid) {
    list.push({
      target: 'core ≥ 150,000 valid events/s on one core (per CPU second)',
      measured: valid.eventsPerCpuSecond.toFixed(0),
      met: valid.eventsPerCpuSecond >= 150_000,
    });
  }
  const c2c = micro.find((result) => result.case === 'c2c-valid');
  if (valid && c2c) {
    const c2cRatio = c2c.eventsPerCpuSecond / valid.eventsPerCpuSecond;
    list.push({
      target: 'core: a one-to-one recall costs no more than a group recall (events per CPU second ≥ 1.0×)',
      measured: `${c2cRatio.toFixed(2)}×`,
      met: c2cRatio >= 1,
    });
  }
  return list;
}

async function main(): Promise<void> {
  const config = readConfig();
  // The package's entry point as tsc compiles it (the same compiler options as npm run build).
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
    console.log(`Instructions per request under callgrind, ${config.connections} connections:`);
    const counts = await instructionCounts(config, pin.prefix);
    printInstructionRatios(counts);
    writeResults(config, { date: new Date().toISOString(), machine, instructions: counts });
    return;
  }
  console.log(
    `${config.rounds} interleaved rounds × ${config.durationSeconds} s per server, ${config.connections} connections, body ${Buffer.byteLength(RECALL_BODY)} bytes`,
  );

  const summaries = await throughput(config, pin.prefix);
  console.log();
  const floors = versusFloors(summaries);
  printTable(summaries, floors);
  // What an instruction count (user space only) stands for in CPU time.
  const userShares = Object.entries(summaries).map(
    ([kind, summary]) => `${kind} ${(100 * summary.userShare).toFixed(0)} %`,
  );
  console.log(`\nUser-space share of CPU per request (median of rounds): ${userShares.join(', ')}`);
  printQueueMode(summaries);

  let memoryResult: Awaited<ReturnType<typeof memory>> | undefined;
  if (config.memoryRequests > 0) {
    console.log(
      `\nMemory: ${config.memoryRequests} requests through middleware after ${MEMORY_WARMUP_REQUESTS} to warm up`,
    );
    memoryResult = await memory(config, pin.prefix);
    for (const point of memoryResult.checkpoints) {
      console.log(
        `  after ${String(point.requests).padStart(7)}: RSS ${megabytes(point.rssBytes)}, heap used ${megabytes(point.heapUsedBytes)}`,
      );
    }
    console.log(
      `  growth: RSS ${megabytes(memoryResult.rssGrowthBytes)}, heap ${megabytes(memoryResult.heapGrowthBytes)}`,
    );
  }

  const packageRequire = requireTime(pin.prefix, [entryPoint]);
  const expressJoiRequire = requireTime(pin.prefix, ['express', 'joi']);
  console.log(
    `\nrequire: package ${packageRequire.medianMs.toFixed(1)} ms, express + joi ${expressJoiRequire.medianMs.toFixed(1)} ms (median of ${REQUIRE_SAMPLES} fresh processes)`,
  );

  const micro = coreMicro(config, pin.prefix);
  console.log('\nCore alone (no HTTP), median of rounds:');
  for (const result of micro) {
    console.log(
      `  ${result.case.padEnd(8)} ${result.eventsPerCpuSecond.toFixed(0).padStart(8)} events per CPU second, ` +
        `${result.eventsPerSecond.toFixed(0).padStart(8)} per wall-clock second (answer ${result.status})`,
    );
  }

  const checked = targets(summaries, floors, memoryResult, micro);
  console.log('\nTargets:');
  for (const target of checked)
    console.log(`  ${target.met ? 'met   ' : 'MISSED'} ${target.target}: ${target.measured}`);

  writeResults(config, {
    date: new Date().toISOString(),
    machine,
    bodyBytes: Buffer.byteLength(RECALL_BODY),
    servers: summaries,
    versusFloors: floors,
    memory: memoryResult,
    requireTime: { package: packageRequire, expressAndJoi: expressJoiRequire },
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
