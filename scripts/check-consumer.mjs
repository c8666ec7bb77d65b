// Checks the package the way a consumer meets it: builds and packs it, lints the
// tarball with publint and @arethetypeswrong/cli, installs it into a temporary folder outside the
// project, then there require()s and imports both subpaths, runs Express apps and the Fetch
// handler through real requests on 127.0.0.1, and type-checks a TypeScript consumer under
// moduleResolution node16 (as CommonJS and as an ES module) and bundler. A second consumer, with no
// Express installed, type-checks and runs the node:http listener and the Fetch handler.
// KEEP_CONSUMER_DIR=1 keeps the temporary folder for a look after a failure.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'scripts', 'consumer');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const installedVersion = (name) =>
  JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

// npm run exports the project's package fields and lifecycle state; the consumer's npm must not see them.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(package|lifecycle)_/.test(key)));

function run(title, command, args, cwd) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new Error(`${title}: failed (${result.error ?? `exit ${result.status}`}) after ${seconds}s`);
  }
  console.log(`ok   ${title} (${seconds}s)`);
  return result.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'tencent-chat-recall-webhook-consumer-'));
try {
  run('npm run build', 'npm', ['run', 'build'], root);
  const [packed] = JSON.parse(
    run('npm pack', 'npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root),
  );
  const tarball = join(work, packed.filename);
  // npm adds README* and LICENSE* whatever `files` says; anything else must come from the whitelist.
  const strays = packed.files
    .map((file) => file.path)
    .filter((path) => !/^(dist\/|package\.json$|README|LICENSE)/.test(path));
  if (strays.length > 0) throw new Error(`files outside the whitelist were packed: ${strays.join(', ')}`);

  run('publint (strict)', bin('publint'), ['run', tarball, '--strict'], root);
  run('@arethetypeswrong/cli', bin('attw'), [tarball, '--no-definitely-typed'], root);

  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }, null, 2));
  for (const file of ['check.cjs', 'check.mjs', 'exercise.cjs', 'tsconfig.node16.json', 'tsconfig.bundler.json']) {
    copyFileSync(join(fixtures, file), join(consumer, file));
  }
  copyFileSync(join(fixtures, 'consumer.ts'), join(consumer, 'consumer.ts'));
  copyFileSync(join(fixtures, 'consumer.ts'), join(consumer, 'consumer.mts'));

  // The versions the project itself installed, so npm finds them in its cache.
  const dependencies = [
    tarball,
    `express@${installedVersion('express')}`,
    `express4@npm:express@${installedVersion('express4')}`,
    `@types/express@${installedVersion('@types/express')}`,
    `@types/node@${installedVersion('@types/node')}`,
  ];
  run(
    'npm install <tarball> in a fresh folder',
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', ...dependencies],
    consumer,
  );

  console.log(run('require() from CommonJS', process.execPath, ['check.cjs'], consumer).trim().replace(/^/gm, '     '));
  console.log(
    run('import from an ES module', process.execPath, ['check.mjs'], consumer).trim().replace(/^/gm, '     '),
  );
  run(
    'tsc, moduleResolution node16 (.ts as CommonJS, .mts as ESM)',
    bin('tsc'),
    ['-p', 'tsconfig.node16.json'],
    consumer,
  );
  run('tsc, moduleResolution bundler', bin('tsc'), ['-p', 'tsconfig.bundler.json'], consumer);

  checkWithoutExpress(work, tarball);

  const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', packed.name, 'package.json'), 'utf8'));
  for (const name of Object.keys(manifest.bin ?? {})) {
    run(`bin ${name} --help`, join(consumer, 'node_modules', '.bin', name), ['--help'], consumer);
  }
  console.log('consumer check passed');
} catch (error) {
  console.error(`consumer check FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (process.env.KEEP_CONSUMER_DIR) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/** The `/node` and `/fetch` entry points need neither Express nor its types, even with skipLibCheck off. */
function checkWithoutExpress(work, tarball) {
  const consumer = join(work, 'no-express');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'no-express', private: true }, null, 2));
  for (const file of ['consumer.ts', 'tsconfig.json', 'check.cjs']) {
    copyFileSync(join(fixtures, 'no-express', file), join(consumer, file));
  }
  run(
    'npm install <tarball> without Express',
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      tarball,
      `@types/node@${installedVersion('@types/node')}`,
    ],
    consumer,
  );
  run('tsc without @types/express, skipLibCheck off', bin('tsc'), ['-p', 'tsconfig.json'], consumer);
  console.log(run('run without Express', process.execPath, ['check.cjs'], consumer).trim().replace(/^/gm, '     '));
}
