// Throughput, latency and CPU per request: every server in interleaved rounds, summarised by the
// median of its rounds, set against its floor and against express-handwritten, and printed.
import type { Config } from './config';
import { factor, median, ratio } from './figures';
import { RECALL_BODY } from './fixtures';
import { assertAnswersOk, load, type LoadResult } from './load';
import { startRedis, startServer, type RedisHandle, type ServerHandle } from './processes';
import { FLOOR_OF, QUEUE_KINDS, SERVER_KINDS, type ServerKind } from './protocol';

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

export interface ServerSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  userShare: number;
  failures: number;
  rounds: Round[];
}

export type Summaries = Partial<Record<ServerKind, ServerSummary>>;

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

async function runRounds(config: Config, prefix: string[]): Promise<Summaries> {
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

/** Median over rounds of `measure(server's round, floor's round)`: rounds pair up, measured close in time. */
export function pairedMedian(
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

export interface VersusFloor {
  floor: ServerKind;
  /** The floor's CPU per request over this server's: 1 is the floor itself, 0.9 means 11 % more CPU. */
  cpuEfficiency: number;
  throughputRatio: number;
}

export type Floors = Partial<Record<ServerKind, VersusFloor>>;

function versusFloors(summaries: Summaries): Floors {
  const result: Floors = {};
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

function printTable(summaries: Summaries, floors: Floors): void {
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
      versus ? factor(versus.cpuEfficiency) : '–',
      versus ? factor(versus.throughputRatio) : '–',
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

/** What an instruction count (user space only) stands for in CPU time. */
function printUserShares(summaries: Summaries): void {
  const userShares = Object.entries(summaries).map(
    ([kind, summary]) => `${kind} ${(100 * summary.userShare).toFixed(0)} %`,
  );
  console.log(`\nUser-space share of CPU per request (median of rounds): ${userShares.join(', ')}`);
}

/**
 * The queue mode's figure: the middleware's CPU per request over the hand-written route's, the
 * median of the per-round ratios (the two run back to back in every round, so drift hits both).
 */
export function queueCpuRatio(summaries: Summaries): number | undefined {
  const handwritten = summaries['queue-handwritten'];
  const middleware = summaries['queue-middleware'];
  if (!handwritten || !middleware) return undefined;
  return pairedMedian(middleware, handwritten, (round, base) => round.cpuMicrosPerRequest / base.cpuMicrosPerRequest);
}

/** The queue mode side by side: the middleware with `queue` against the route a user writes instead. */
function printQueueMode(summaries: Summaries): void {
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
    `  CPU per request, middleware / hand-written route: ${factor(cpuRatio)} (median of the per-round ratios)`,
  );
}

/** Runs the rounds of every server of the config and prints them, their summary table and the queue mode. */
export async function throughput(config: Config, prefix: string[]): Promise<{ summaries: Summaries; floors: Floors }> {
  console.log(
    `${config.rounds} interleaved rounds × ${config.durationSeconds} s per server, ${config.connections} connections, body ${Buffer.byteLength(RECALL_BODY)} bytes`,
  );
  const summaries = await runRounds(config, prefix);
  console.log();
  const floors = versusFloors(summaries);
  printTable(summaries, floors);
  printUserShares(summaries);
  printQueueMode(summaries);
  return { summaries, floors };
}
