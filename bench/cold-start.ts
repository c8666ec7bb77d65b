// The cold path: what a serverless cold start pays for the package. Each sample is a fresh Node
// process that imports an entry point of the build users run (dist/), creates the handler and
// answers one signed recall; @octokit/webhooks' import, construction and verification of one signed
// delivery is the yardstick, bare Node the floor. Two harnesses (a Request in and a Response out; a
// node:http server and one request) show what the I/O around a handler costs without one. Targets
// are run in turns, in a different order each time, and compared by their median CPU time (user +
// system, whole process) above the floor; wall-clock medians are shown beside it, but other work on
// the machine moves them far more.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RECALL_BODY, SDK_APP_ID, signedPath, TOKEN } from './fixtures';
import type { Target } from './protocol';
import { median } from './figures';
import { ROOT } from './processes';

const SCRIPTS = join(ROOT, 'bench', 'cold');
const DIST = join(ROOT, 'dist');

// verifyAndReceive of one delivery; the same through the Fetch middleware (a Request in, a Response
// out, as our Fetch handler); the same through the Node middleware over loopback, as our listener.
const OCTOKIT = '@octokit/webhooks';
const OCTOKIT_WEB = '@octokit/webhooks web';
const OCTOKIT_NODE = '@octokit/webhooks node';
const FETCH_HARNESS = 'fetch harness';
const NODE_HARNESS = 'node:http harness';

interface ColdTarget {
  name: string;
  script: string;
  /** The entry point the script imports, if any. */
  entry?: string;
  /** The targets whose medians above the floor this one is compared with, the like-for-like one first. */
  yardsticks?: readonly string[];
  /** The harness target doing the same I/O without a handler: what the handler adds is shown above it. */
  harness?: string;
}

/** The targets, as data: the package's entry points in both module formats, and their yardsticks. */
export const COLD_TARGETS: readonly ColdTarget[] = [
  { name: 'bare node', script: 'bare.cjs' },
  // What starting from an ES module adds, which @octokit/webhooks' figures (ES module scripts) include.
  { name: 'bare node (esm)', script: 'bare.mjs' },
  { name: FETCH_HARNESS, script: 'fetch-harness.cjs' },
  { name: NODE_HARNESS, script: 'node-harness.cjs' },
  { name: OCTOKIT, script: 'octokit.mjs' },
  { name: OCTOKIT_WEB, script: 'octokit-web.mjs', harness: FETCH_HARNESS },
  { name: OCTOKIT_NODE, script: 'octokit-node.mjs', harness: NODE_HARNESS },
  ...[
    { name: 'fetch', file: 'fetch.js' },
    { name: 'fetch (esm)', file: 'fetch.mjs' },
    { name: 'main entry', file: 'index.js' },
  ].map(({ name, file }) => ({
    name,
    script: 'recall-fetch.cjs',
    entry: join(DIST, file),
    yardsticks: [OCTOKIT_WEB, OCTOKIT],
    harness: FETCH_HARNESS,
  })),
  {
    name: 'node',
    script: 'recall-node.cjs',
    entry: join(DIST, 'node.js'),
    yardsticks: [OCTOKIT_NODE, OCTOKIT],
    harness: NODE_HARNESS,
  },
];
const FLOOR = 'bare node';
/** Each entry point's cold path, above bare Node, against the like-for-like @octokit/webhooks one. */
const MAX_RATIO = 1.5;

export interface ColdResult {
  name: string;
  cpuMs: number;
  aboveFloorMs: number;
  /** Median above the harness doing the same I/O without a handler. */
  aboveHarnessMs?: number;
  wallMs: number;
  /** CommonJS modules loaded once the recall is answered (ES modules are not counted). */
  modules?: number;
  joiLoaded?: boolean;
  /** Median above the floor over each yardstick's. */
  ratios?: Record<string, number>;
}

/** The inputs of one sample: a query signed now, and a GitHub delivery signed with the same secret. */
function sampleEnvironment(entry: string | undefined): NodeJS.ProcessEnv {
  const githubBody = JSON.stringify({ ref: 'refs/heads/main' });
  const githubSignature = `sha256=${createHmac('sha256', TOKEN).update(githubBody).digest('hex')}`;
  return {
    ...process.env,
    DEBUG: '',
    COLD_ENTRY: entry,
    COLD_SDK_APP_ID: String(SDK_APP_ID),
    COLD_TOKEN: TOKEN,
    COLD_PATH: signedPath(),
    COLD_BODY: RECALL_BODY,
    COLD_GITHUB_BODY: githubBody,
    COLD_GITHUB_SIGNATURE: githubSignature,
  };
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  modules: number;
  joi: boolean;
}

function runOnce(target: ColdTarget, prefix: string[]): Sample {
  const command = [...prefix, process.execPath, '-r', join(SCRIPTS, 'report.cjs'), join(SCRIPTS, target.script)];
  const env = sampleEnvironment(target.entry);
  const started = process.hrtime.bigint();
  const run = spawnSync(command[0], command.slice(1), { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`cold start of ${target.name} failed: ${run.stderr}`);
  return { wallMs, ...(JSON.parse(run.stdout) as Omit<Sample, 'wallMs'>) };
}

/** Measures every target `runs` times, in turns (each turn in a different order), and prints the medians. */
export function coldStart(prefix: string[], runs: number): ColdResult[] {
  for (const target of COLD_TARGETS) {
    if (target.entry && !existsSync(target.entry)) throw new Error(`${target.entry} is missing: run npm run build`);
  }
  const samples = new Map(COLD_TARGETS.map((target) => [target.name, [] as Sample[]]));
  // One unrecorded turn fills the file system cache for every target alike.
  for (const target of COLD_TARGETS) runOnce(target, prefix);
  for (let turn = 0; turn < runs; turn++) {
    const order = COLD_TARGETS.map((_, index) => COLD_TARGETS[(index + turn) % COLD_TARGETS.length]);
    for (const target of order) samples.get(target.name)?.push(runOnce(target, prefix));
  }
  const medianOf = (name: string, figure: 'cpuMs' | 'wallMs') =>
    median((samples.get(name) ?? []).map((sample) => sample[figure]));
  const above = (name: string) => medianOf(name, 'cpuMs') - medianOf(FLOOR, 'cpuMs');
  const results = COLD_TARGETS.map((target): ColdResult => {
    const last = samples.get(target.name)?.at(-1);
    return {
      name: target.name,
      cpuMs: medianOf(target.name, 'cpuMs'),
      aboveFloorMs: above(target.name),
      ...(target.harness && { aboveHarnessMs: above(target.name) - above(target.harness) }),
      wallMs: medianOf(target.name, 'wallMs'),
      ...(target.entry && last && { modules: last.modules, joiLoaded: last.joi }),
      ...(target.yardsticks && {
        ratios: Object.fromEntries(target.yardsticks.map((name) => [name, above(target.name) / above(name)])),
      }),
    };
  });
  printColdStart(results, runs);
  return results;
}

function printColdStart(results: readonly ColdResult[], runs: number): void {
  console.log(
    `\nCold path: fresh process, import + factory + one signed recall; CPU ms (wall ms), median of ${runs} in turns:`,
  );
  for (const result of results) {
    const harness =
      result.aboveHarnessMs === undefined ? '' : ` (${result.aboveHarnessMs.toFixed(1)} above its harness)`;
    const above = result.name === FLOOR ? 'the floor' : `${result.aboveFloorMs.toFixed(1)} above it${harness}`;
    const versus = Object.entries(result.ratios ?? {})
      .map(([name, ratio]) => `, ${ratio.toFixed(2)}× ${name}`)
      .join('');
    const joi = result.joiLoaded ? 'with Joi' : 'no Joi';
    const modules = result.modules === undefined ? '' : `; ${result.modules} CommonJS modules, ${joi}`;
    const figures = `${result.cpuMs.toFixed(1).padStart(6)} (${result.wallMs.toFixed(0)})`;
    console.log(`  ${result.name.padEnd(23)} ${figures}, ${above}${versus}${modules}`);
  }
}

/**
 * Two cold path targets per entry point: against its like-for-like @octokit/webhooks middleware,
 * both above bare Node; and what it adds above its harness (the package's own share, the
 * Request/Response or the node:http round trip taken out) against `verifyAndReceive` above bare Node.
 */
export function coldTargets(results: readonly ColdResult[]): Target[] {
  const verifyAndReceive = results.find((result) => result.name === OCTOKIT);
  if (!verifyAndReceive) throw new Error(`the cold path run has no ${OCTOKIT} figure to compare with`);
  return results.flatMap((result) => {
    const [yardstick, ratio] = Object.entries(result.ratios ?? {})[0] ?? [];
    if (yardstick === undefined || ratio === undefined) return [];
    const targets: Target[] = [
      {
        target: `${result.name} cold path ≤ ${MAX_RATIO}× ${yardstick}'s, without Joi`,
        measured: `${ratio.toFixed(2)}×${result.joiLoaded ? ', Joi loaded' : ''}`,
        met: ratio <= MAX_RATIO && result.joiLoaded === false,
      },
    ];
    if (result.aboveHarnessMs !== undefined) {
      const ownRatio = result.aboveHarnessMs / verifyAndReceive.aboveFloorMs;
      targets.push({
        target: `${result.name} cold path above its harness ≤ ${MAX_RATIO}× ${OCTOKIT}'s verifyAndReceive above bare Node`,
        measured: `${ownRatio.toFixed(2)}× (${result.aboveHarnessMs.toFixed(1)} ms against ${verifyAndReceive.aboveFloorMs.toFixed(1)} ms)`,
        met: ownRatio <= MAX_RATIO,
      });
    }
    return targets;
  });
}
