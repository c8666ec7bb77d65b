// `--instructions`: the instructions each server executes per request, counted under callgrind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callgrindInstalled, callgrindPrefix, countFrom, readInstructions, stopCounting } from './callgrind';
import { INSTRUCTION_REQUESTS, INSTRUCTION_WARMUP_REQUESTS, type Config } from './config';
import { ratio } from './figures';
import { assertAnswersOk, load } from './load';
import { startServer, type ServerHandle } from './processes';
import { FLOOR_OF, QUEUE_KINDS, SERVER_KINDS, type ServerKind } from './protocol';

// Under callgrind a server answers a few hundred requests a second: loads of this size keep each
// signed query well inside its RequestTime window, since each load signs its own.
const INSTRUCTION_CHUNK_REQUESTS = 2_000;

interface InstructionCount {
  requests: number;
  perRequest: number;
  /** Per request, leaving out V8's optimizing compiler, whose share varies from run to run. */
  perRequestWithoutCompiler: number;
}

type InstructionCounts = Partial<Record<ServerKind, InstructionCount>>;

/** Each server in turn under callgrind: warmed up uncounted, then a fixed number of requests counted. */
async function countEachServer(config: Config, prefix: string[]): Promise<InstructionCounts> {
  if (!callgrindInstalled()) throw new Error('--instructions needs valgrind (apt-get install -y valgrind)');
  const dumps = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  const counts: InstructionCounts = {};
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
function printInstructionRatios(counts: InstructionCounts): void {
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

/** Counts the instructions per request of every server of the config but the queue kinds, and prints them. */
export async function instructionCounts(config: Config, prefix: string[]): Promise<InstructionCounts> {
  console.log(`Instructions per request under callgrind, ${config.connections} connections:`);
  const counts = await countEachServer(config, prefix);
  printInstructionRatios(counts);
  return counts;
}
