// What the TracingChannels and the OpenTelemetry subpath cost the core, no HTTP:
//   1. the pipeline as it was at `--before` (a git ref: the commit before the channels) against the
//      pipeline now, nobody subscribed: both bundled alike by esbuild from their own trees, loaded
//      side by side in one process, rounds interleaved; with --instructions, each counted under
//      callgrind too;
//   2. the pipeline now with nobody subscribed against the same with instrumentRecallWebhook and an
//      OpenTelemetry SDK (spans recorded and dropped, metrics aggregated), in another process.
// `npm run bench:observability -- --before <git ref> [--rounds n] [--duration ms] [--instructions]`
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { build } from 'esbuild';
import { callgrindInstalled, callgrindPrefix, readInstructions } from './callgrind';
import { SDK_APP_ID } from './fixtures';
import type { IncomingCallback, RecallCore } from '../lib/http/pipeline';
import { instrumentRecallWebhook } from '../lib/observability/opentelemetry';
import { RECALL_COMMAND } from '../lib/protocol/types';
import { createCallbackQuery, createRecallEvent } from '../lib/testing/index';
import { median } from './figures';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'dist-bench', 'observability');
const BATCH = 1000;
/** Loads a bundle built while this script runs. */
const load = createRequire(__filename);

type CreateCore = (options: object, factory: string) => RecallCore<null>;

/** Bundles `lib/http/pipeline.ts` of `tree` into `outFile`, the packages it imports left to node_modules. */
async function bundlePipeline(tree: string, outFile: string): Promise<void> {
  await build({
    entryPoints: [join(tree, 'lib', 'http', 'pipeline.ts')],
    outfile: outFile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
}

async function bundleBoth(beforeRef: string): Promise<{ before: string; after: string }> {
  mkdirSync(OUT, { recursive: true });
  const tree = mkdtempSync(join(tmpdir(), 'bench-before-'));
  try {
    const archive = execFileSync('git', ['archive', beforeRef, 'lib'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', tree], { input: archive });
    const before = join(OUT, 'before.js');
    const after = join(OUT, 'after.js');
    await bundlePipeline(tree, before);
    await bundlePipeline(ROOT, after);
    return { before, after };
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

/** A core handling one valid group recall with an async onRecall that does nothing, as bench/core-micro.ts. */
function handlerOf(bundle: string): () => Promise<unknown> {
  const { createRecallCore } = load(bundle) as { createRecallCore: CreateCore };
  const core = createRecallCore({ sdkAppId: SDK_APP_ID, onRecall: async () => {} }, 'bench');
  const bytes = Buffer.from(JSON.stringify(createRecallEvent()));
  const query = String(new URLSearchParams(createCallbackQuery(SDK_APP_ID, { callbackCommand: RECALL_COMMAND })));
  const command = core.claims('POST', new URLSearchParams(query))!;
  const incoming = (): IncomingCallback<null> => ({
    command,
    params: new URLSearchParams(query),
    request: null,
    label: 'POST /bench',
    readBody: () => Promise.resolve({ kind: 'bytes', bytes }),
  });
  return () => core.handle(incoming());
}

/** CPU µs per request over one round of `durationMs`. */
async function round(handle: () => Promise<unknown>, durationMs: number): Promise<number> {
  let handled = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    for (let i = 0; i < BATCH; i++) await handle();
    handled += BATCH;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return (cpu.user + cpu.system) / handled;
}

interface Variant {
  name: string;
  handle: () => Promise<unknown>;
  /** Runs around each of the variant's rounds (subscribing, then unsubscribing). */
  around?: (run: () => Promise<number>) => Promise<number>;
}

/** Rounds interleaved (A B, B A, A B...), round 0 a warm-up; prints each variant's median and the ratio. */
async function compare(variants: [Variant, Variant], rounds: number, durationMs: number): Promise<void> {
  const cpu: [number[], number[]] = [[], []];
  const ratios: number[] = [];
  for (let index = 0; index <= rounds; index++) {
    const order = index % 2 === 0 ? [0, 1] : [1, 0];
    const measured: number[] = [];
    for (const which of order) {
      const variant = variants[which];
      const run = () => round(variant.handle, durationMs);
      measured[which] = await (variant.around ? variant.around(run) : run());
    }
    if (index === 0) continue;
    cpu[0].push(measured[0]);
    cpu[1].push(measured[1]);
    ratios.push(measured[1] / measured[0]);
  }
  const line = (variant: Variant, values: number[]) =>
    `  ${variant.name.padEnd(44)} ${median(values).toFixed(2).padStart(6)} µs CPU/request (rounds ${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})`;
  console.log(line(variants[0], cpu[0]));
  console.log(line(variants[1], cpu[1]));
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `  ${variants[1].name} / ${variants[0].name}: median ${median(ratios).toFixed(3)}× ` +
      `(per-round ratios ${sorted.map((ratio) => ratio.toFixed(3)).join(' ')})`,
  );
}

/** Part 1 in this process: nothing subscribed, no SDK set up. */
async function beforeAndAfter(bundles: { before: string; after: string }, rounds: number, durationMs: number) {
  console.log('The pipeline before the channels and now, nobody subscribed (one process, interleaved rounds):');
  await compare(
    [
      { name: 'before', handle: handlerOf(bundles.before) },
      { name: 'now, nobody subscribed', handle: handlerOf(bundles.after) },
    ],
    rounds,
    durationMs,
  );
}

/** Part 2, in a process of its own: the SDK's context manager stays on for both variants. */
async function withOpenTelemetry(afterBundle: string, rounds: number, durationMs: number): Promise<void> {
  class KeepingReader extends MetricReader {
    protected async onForceFlush(): Promise<void> {}
    protected async onShutdown(): Promise<void> {}
  }
  // What an SDK sets up: the context manager, and the W3C propagator the job's trace context needs.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // Every span sampled and recorded, then dropped: the cost of making them, not of exporting them.
  const tracerProvider = new BasicTracerProvider();
  const meterProvider = new MeterProvider({ readers: [new KeepingReader()] });
  const handle = handlerOf(afterBundle);
  console.log(
    'The pipeline now, nobody subscribed, against instrumentRecallWebhook with an OpenTelemetry SDK ' +
      '(AsyncLocalStorage context manager on for both; one process, interleaved rounds):',
  );
  await compare(
    [
      { name: 'now, nobody subscribed', handle },
      {
        name: 'now, instrumentRecallWebhook + SDK',
        handle,
        async around(run) {
          const instrumentation = instrumentRecallWebhook({ tracerProvider, meterProvider });
          try {
            return await run();
          } finally {
            instrumentation.disable();
          }
        },
      },
    ],
    rounds,
    durationMs,
  );
}

const WARMUP_HANDLES = 30_000;
const COUNTED_HANDLES = 20_000;

/** Under callgrind: warms the bundle up uncounted, then counts `COUNTED_HANDLES` handles. */
async function countOne(bundle: string): Promise<void> {
  const handle = handlerOf(bundle);
  for (let i = 0; i < WARMUP_HANDLES; i++) await handle();
  execFileSync('callgrind_control', ['-i', 'on', String(process.pid)], { stdio: 'ignore' });
  for (let i = 0; i < COUNTED_HANDLES; i++) await handle();
  execFileSync('callgrind_control', ['-i', 'off', String(process.pid)], { stdio: 'ignore' });
}

function instructions(bundles: { before: string; after: string }, script: string): void {
  if (!callgrindInstalled()) throw new Error('--instructions needs valgrind (apt-get install -y valgrind)');
  const dumps = mkdtempSync(join(tmpdir(), 'bench-observability-'));
  console.log(
    `Instructions per request under callgrind (${WARMUP_HANDLES} handles warm-up, ${COUNTED_HANDLES} counted):`,
  );
  try {
    const counts: Record<string, number> = {};
    for (const [name, bundle] of Object.entries(bundles)) {
      const outFile = join(dumps, name);
      const child = spawnSync(
        callgrindPrefix(outFile)[0],
        [...callgrindPrefix(outFile).slice(1), process.execPath, script, '--count', bundle],
        { stdio: 'inherit' },
      );
      if (child.status !== 0) throw new Error(`the callgrind run of ${name} failed`);
      const { total, compiler } = readInstructions(`${outFile}`);
      counts[name] = total / COUNTED_HANDLES;
      console.log(
        `  ${name.padEnd(8)} ${Math.round(total / COUNTED_HANDLES).toLocaleString('en')} instructions/request ` +
          `(${Math.round((total - compiler) / COUNTED_HANDLES).toLocaleString('en')} without V8's compiler)`,
      );
    }
    console.log(`  now / before: ${(counts.after / counts.before).toFixed(4)}×`);
  } finally {
    rmSync(dumps, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      before: { type: 'string' },
      rounds: { type: 'string', default: '10' },
      duration: { type: 'string', default: '1000' },
      instructions: { type: 'boolean', default: false },
      part: { type: 'string' },
      count: { type: 'string' },
      bundle: { type: 'string' },
    },
  });
  if (values.count) return countOne(values.count);
  const rounds = Number(values.rounds);
  const durationMs = Number(values.duration);
  if (values.part === 'otel') return withOpenTelemetry(resolve(values.bundle!), rounds, durationMs);
  if (!values.before) throw new Error('--before <git ref> names the commit to compare with');
  const bundles = await bundleBoth(values.before);
  await beforeAndAfter(bundles, rounds, durationMs);
  const otel = spawnSync(
    process.execPath,
    [
      __filename,
      '--part',
      'otel',
      '--bundle',
      bundles.after,
      '--rounds',
      String(rounds),
      '--duration',
      String(durationMs),
    ],
    { stdio: 'inherit' },
  );
  if (otel.status !== 0) throw new Error('the OpenTelemetry part failed');
  if (values.instructions) instructions(bundles, __filename);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
