// Checks the package the way a consumer meets it: builds and packs it, lints the
// tarball with publint and @arethetypeswrong/cli, installs it into a temporary folder outside the
// project, then there require()s and imports every entry point (lib/entries/subpaths.json), runs
// Express apps and the Fetch handler through real requests on 127.0.0.1, and type-checks a
// TypeScript consumer, Express 5 and Express 4 apps included, under moduleResolution node16 (as
// CommonJS and as an ES module) and bundler, and bundles an app with esbuild into one file that
// runs without node_modules. Then, in a fresh ES module project with TypeScript 7's
// `tsc --init` defaults and skipLibCheck off, it compiles every TypeScript snippet of the README and
// docs/*.md with TypeScript 7 and with the project's own tsc, and runs the ones marked `run` with
// node --test.
// A second consumer, with none of the optional peer dependencies installed (no Express, no bullmq),
// type-checks every entry point but those typed by their own peer without @types/express, runs the node:http listener and
// the Fetch handler, checks that the main entry works without bullmq, and runs the CLI's send.
// Then, for each framework subpath and supported major, a consumer with only that framework
// installed type-checks and runs it; NestJS 12 in projects laid out as `nest new` does, on Express
// and on Fastify, runs the README's recipe (scripts/consumer/nest-new.mjs); ioredis 5 gets a project
// of its own; and the installed guides' relative links must resolve inside the package.
// KEEP_CONSUMER_DIR=1 keeps the temporary folder for a look after a failure.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractSnippets } from './doc-snippets.mjs';
import { subpaths as readSubpaths } from './subpaths.mjs';
import { checkNoInstallScripts, checkPackedFiles, checkShippedLinks, packedFrom } from './consumer/shipped.mjs';
import { checkNestNewProject, NEST_RECIPE } from './consumer/nest-new.mjs';
import { checkIoredis5 } from './consumer/ioredis.mjs';

const TYPESCRIPT_7 = 'typescript@7';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'scripts', 'consumer');
// The one list of subpaths: the checks below and the consumer scripts derive every entry point from it.
const subpathsFile = join(root, 'lib', 'entries', 'subpaths.json');
const subpaths = readSubpaths();

/**
 * The entries whose declarations import their own optional peer dependency's types (bullmq, a
 * framework, @opentelemetry/api): those are type-checked where that peer is installed.
 */
const ENTRIES_WITH_PEER_TYPES = ['bullmq', 'fastify', 'koa', 'nestjs', 'opentelemetry'];
const specifierOf = ({ subpath }) => `tencent-chat-recall-webhook${subpath === '.' ? '' : subpath.slice(1)}`;
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

/** Installs `packages` into the consumer folder `cwd`, from npm's cache where it can. */
function npmInstall(title, packages, cwd) {
  run(title, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', ...packages], cwd);
}

/**
 * Each framework subpath with only its framework installed (each supported major): `fixture` names
 * the folder of scripts/consumer/frameworks whose consumer.ts is type-checked (node16, bundler,
 * skipLibCheck off) and run by check.cjs; `absent` are the packages that must not be there;
 * `snippet` is the README snippet compiled there rather than with the others (Koa's types do not
 * compile with skipLibCheck off next to Express 5's dependencies, and NestJS's snippet needs
 * experimentalDecorators).
 */
const FRAMEWORKS = [
  {
    title: 'Fastify 5',
    fixture: 'fastify',
    packages: [`fastify@${installedVersion('fastify')}`],
    absent: ['koa', '@nestjs/core', 'express'],
  },
  {
    title: 'Fastify 4',
    fixture: 'fastify',
    packages: [`fastify@${installedVersion('fastify4')}`],
    absent: ['koa', '@nestjs/core', 'express'],
  },
  {
    title: 'Koa 3',
    fixture: 'koa',
    snippet: 'koa.ts',
    packages: [`koa@${installedVersion('koa')}`, `@types/koa@${installedVersion('@types/koa')}`],
    absent: ['fastify', '@nestjs/core', 'express'],
  },
  {
    title: 'Koa 2',
    fixture: 'koa',
    packages: [`koa@${installedVersion('koa2')}`, '@types/koa@2'],
    absent: ['fastify', '@nestjs/core', 'express'],
  },
  {
    title: 'NestJS 11 (Express platform)',
    fixture: 'nestjs',
    snippet: 'nestjs.ts',
    packages: ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', 'reflect-metadata', 'rxjs'].map(
      (name) => `${name}@${installedVersion(name)}`,
    ),
    absent: ['fastify', 'koa'],
  },
  {
    title: 'NestJS 10 (Express platform)',
    fixture: 'nestjs',
    packages: ['@nestjs/common@10', '@nestjs/core@10', '@nestjs/platform-express@10', 'reflect-metadata', 'rxjs'],
    absent: ['fastify', 'koa'],
  },
];

/** NestJS's current major on each platform, in a project as `nest new` makes it. */
const NEST_NEW_PROJECTS = ['express', 'fastify'].map((platform) => ({
  title: `NestJS 12 (${platform === 'express' ? 'Express' : 'Fastify'} platform, nest new)`,
  platform,
  packages: [
    '@nestjs/common@12',
    '@nestjs/core@12',
    `@nestjs/platform-${platform}@12`,
    'reflect-metadata',
    'rxjs',
  ].concat(`@types/node@${installedVersion('@types/node')}`),
}));

const FRAMEWORK_SNIPPETS = new Set(FRAMEWORKS.flatMap(({ snippet }) => (snippet ? [snippet] : [])));

const work = mkdtempSync(join(tmpdir(), 'tencent-chat-recall-webhook-consumer-'));
try {
  // As npm publish packs: prepack builds dist/ and leaves prepare out of the packed package.json.
  const packed = packedFrom(
    run('npm pack (prepack builds)', 'npm', ['pack', '--json', '--pack-destination', work], root),
  );
  const tarball = join(work, packed.filename);
  checkPackedFiles(packed.files.map((file) => file.path));

  run('publint (strict)', bin('publint'), ['run', tarball, '--strict'], root);
  run('@arethetypeswrong/cli', bin('attw'), [tarball, '--no-definitely-typed'], root);

  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }, null, 2));
  for (const file of ['check.cjs', 'check.mjs', 'exercise.cjs', 'tsconfig.node16.json', 'tsconfig.bundler.json']) {
    copyFileSync(join(fixtures, file), join(consumer, file));
  }
  copyFileSync(subpathsFile, join(consumer, 'subpaths.json'));
  copyFileSync(join(fixtures, 'consumer.ts'), join(consumer, 'consumer.ts'));
  copyFileSync(join(fixtures, 'consumer.ts'), join(consumer, 'consumer.mts'));

  // The versions the project itself installed, so npm finds them in its cache.
  const dependencies = [
    tarball,
    `express@${installedVersion('express')}`,
    `express4@npm:express@${installedVersion('express4')}`,
    `@types/express@${installedVersion('@types/express')}`,
    `@types/express4@npm:@types/express@${installedVersion('@types/express4')}`,
    `@types/node@${installedVersion('@types/node')}`,
    // For the snippets: the recipe's test libraries, the Redis example's client, and TypeScript 7,
    // which the project itself cannot use (ts-jest needs TypeScript below 7).
    `supertest@${installedVersion('supertest')}`,
    `@types/supertest@${installedVersion('@types/supertest')}`,
    `@types/jest@${installedVersion('@types/jest')}`,
    `redis@${installedVersion('redis')}`,
    // For the /bullmq entry and the durable-mode snippets: BullMQ and its Redis client.
    `bullmq@${installedVersion('bullmq')}`,
    `ioredis@${installedVersion('ioredis')}`,
    // ioredis 6's declarations import redis-errors, which has no types of its own (skipLibCheck is off here).
    '@types/redis-errors@1',
    // For the Fastify snippet (the Koa and NestJS ones are compiled with only their framework installed).
    `fastify@${installedVersion('fastify')}`,
    // For the /opentelemetry entry and the observability snippets.
    `@opentelemetry/api@${installedVersion('@opentelemetry/api')}`,
    `@opentelemetry/sdk-metrics@${installedVersion('@opentelemetry/sdk-metrics')}`,
    `@opentelemetry/exporter-prometheus@${installedVersion('@opentelemetry/exporter-prometheus')}`,
    `@opentelemetry/sdk-trace-base@${installedVersion('@opentelemetry/sdk-trace-base')}`,
    `bullmq-otel@${installedVersion('bullmq-otel')}`,
    TYPESCRIPT_7,
  ];
  npmInstall('npm install <tarball> in a fresh folder', dependencies, consumer);

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
  checkBundled(work, consumer);
  checkErrorNames(consumer);

  checkShippedLinks(join(consumer, 'node_modules', packed.name));
  checkSnippets(consumer);
  checkWithoutExpress(work, tarball);
  for (const framework of FRAMEWORKS) checkFrameworkAlone(work, tarball, framework);
  checkIoredis5(work, tarball, {
    run,
    npmInstall,
    tsc: bin('tsc'),
    packages: [`bullmq@${installedVersion('bullmq')}`, `@types/node@${installedVersion('@types/node')}`],
  });
  const recipe = extractSnippets(root).find(({ name }) => name === NEST_RECIPE).code;
  for (const project of NEST_NEW_PROJECTS) {
    checkNestNewProject(work, tarball, project, { run, npmInstall, tsc: bin('tsc'), recipe });
  }

  const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', packed.name, 'package.json'), 'utf8'));
  checkNoInstallScripts(manifest);
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

/**
 * An app bundled by esbuild into one ES module, as a serverless deployment is, with the banner
 * esbuild's users add for CommonJS dependencies; it runs from a folder with no node_modules.
 */
function checkBundled(work, consumer) {
  copyFileSync(join(fixtures, 'bundle', 'app.mjs'), join(consumer, 'bundle-app.mjs'));
  const bundled = join(work, 'bundled');
  const banner = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
  run(
    'esbuild --bundle --format=esm',
    bin('esbuild'),
    [
      'bundle-app.mjs',
      '--bundle',
      '--platform=node',
      '--format=esm',
      `--banner:js=${banner}`,
      '--log-level=error',
    ].concat(`--outfile=${join(bundled, 'app.mjs')}`),
    consumer,
  );
  console.log(run('run the bundle', process.execPath, ['app.mjs'], bundled).trim().replace(/^/gm, '     '));
}

/**
 * The error classes as built: each has its own name in CommonJS and in ES modules (esbuild's
 * keepNames), and a failed callback's span carries it as `error.type` (scripts/consumer/error-names.mjs).
 */
function checkErrorNames(consumer) {
  copyFileSync(join(fixtures, 'error-names.mjs'), join(consumer, 'error-names.mjs'));
  console.log(
    run('error classes named, span error.type', process.execPath, ['error-names.mjs'], consumer)
      .trim()
      .replace(/^/gm, '     '),
  );
}

/**
 * A fresh ES module project inside the consumer folder (so it resolves the installed tarball): its
 * tsconfig extends what TypeScript 7's `tsc --init` writes, adding only what a Node.js project that
 * type-checks its dependencies sets (types node and jest, skipLibCheck off, an output folder).
 */
function checkSnippets(consumer) {
  const project = join(consumer, 'esm');
  mkdirSync(project);
  const tsc7 = join(consumer, 'node_modules', '.bin', 'tsc');
  const version = run('TypeScript 7 tsc --version', tsc7, ['--version'], project).trim();
  if (!/^Version 7\./.test(version)) throw new Error(`expected TypeScript 7, found ${version}`);
  run('TypeScript 7 tsc --init', tsc7, ['--init'], project);
  renameSync(join(project, 'tsconfig.json'), join(project, 'tsconfig.init.json'));
  cpSync(join(fixtures, 'esm'), project, { recursive: true });
  const init = readFileSync(join(project, 'tsconfig.init.json'), 'utf8');
  for (const option of ['exactOptionalPropertyTypes', 'noUncheckedIndexedAccess', 'verbatimModuleSyntax', 'strict']) {
    if (!new RegExp(`^\\s*"${option}": true`, 'm').test(init)) {
      throw new Error(`tsc --init no longer turns on ${option}: review the snippet project`);
    }
  }

  const snippets = extractSnippets(root).filter((snippet) => !FRAMEWORK_SNIPPETS.has(snippet.name));
  mkdirSync(join(project, 'snippets'));
  for (const snippet of snippets) writeFileSync(join(project, 'snippets', snippet.name), snippet.code);
  console.log(`     ${snippets.length} snippets from ${[...new Set(snippets.map((s) => s.source))].join(', ')}`);
  checkRecipeCopy(snippets);

  run(`tsc (${version}), tsc --init defaults, ESM, skipLibCheck off`, tsc7, ['-p', 'tsconfig.json'], project);
  run(
    `tsc (project's ${installedVersion('typescript')}), the same project`,
    bin('tsc'),
    ['-p', 'tsconfig.json', '--noEmit'],
    project,
  );
  for (const snippet of snippets.filter((s) => s.run)) {
    const compiled = join('out', 'snippets', snippet.name.replace(/\.ts$/, '.js'));
    run(
      `node --test ${snippet.name} (${snippet.source}:${snippet.line})`,
      process.execPath,
      ['--test', compiled],
      project,
    );
  }
}

/** The package's own suite runs the README's Jest recipe as __tests__/testing/recipe.test.ts: the two must not drift. */
function checkRecipeCopy(snippets) {
  const recipe = snippets.find((snippet) => snippet.name === 'recipe.jest.ts');
  if (!recipe) throw new Error('the README has no snippet marked recipe.jest.ts');
  const copy = readFileSync(join(root, '__tests__', 'testing', 'recipe.test.ts'), 'utf8')
    .replace(/^(\/\/.*\n)+/, '')
    .replaceAll("from '../../lib/testing/index'", "from 'tencent-chat-recall-webhook/testing'")
    .replaceAll("from '../../lib/entries'", "from 'tencent-chat-recall-webhook'");
  if (copy !== recipe.code) throw new Error('__tests__/testing/recipe.test.ts differs from the README recipe');
  console.log('ok   __tests__/testing/recipe.test.ts is the README recipe');
}

function checkFrameworkAlone(work, tarball, { title, fixture, packages, absent, snippet }) {
  const consumer = join(work, title.replace(/\W+/g, '-').toLowerCase());
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'framework-alone', private: true }, null, 2));
  const frameworks = join(fixtures, 'frameworks');
  for (const file of ['check.cjs', 'tsconfig.json', 'tsconfig.bundler.json']) {
    copyFileSync(join(frameworks, file), join(consumer, file));
  }
  copyFileSync(join(frameworks, fixture, 'consumer.ts'), join(consumer, 'consumer.ts'));
  if (snippet) {
    const { code } = extractSnippets(root).find((found) => found.name === snippet);
    writeFileSync(join(consumer, 'snippet.ts'), code);
    for (const file of ['tsconfig.json', 'tsconfig.bundler.json']) {
      const config = JSON.parse(readFileSync(join(consumer, file), 'utf8'));
      writeFileSync(
        join(consumer, file),
        JSON.stringify({ ...config, files: [...config.files, 'snippet.ts'] }, null, 2),
      );
    }
  }
  npmInstall(
    `npm install <tarball> with only ${title}`,
    [tarball, `@types/node@${installedVersion('@types/node')}`, ...packages],
    consumer,
  );
  run(`${title} alone: tsc, node16, skipLibCheck off`, bin('tsc'), ['-p', 'tsconfig.json'], consumer);
  run(`${title} alone: tsc, bundler`, bin('tsc'), ['-p', 'tsconfig.bundler.json'], consumer);
  console.log(
    run(`${title} alone: require(), import and a recall`, process.execPath, ['check.cjs', fixture, ...absent], consumer)
      .trim()
      .replace(/^/gm, '     '),
  );
}

/**
 * No entry point needs Express or its types, even with skipLibCheck off: entries.ts imports every
 * one but those of ENTRIES_WITH_PEER_TYPES.
 */
function checkWithoutExpress(work, tarball) {
  const consumer = join(work, 'no-express');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'no-express', private: true }, null, 2));
  for (const file of ['consumer.ts', 'tsconfig.json', 'check.cjs']) {
    copyFileSync(join(fixtures, 'no-express', file), join(consumer, file));
  }
  copyFileSync(subpathsFile, join(consumer, 'subpaths.json'));
  const entries = subpaths
    .filter(({ name }) => !ENTRIES_WITH_PEER_TYPES.includes(name))
    .map((entry) => `export * as ${entry.name}Entry from '${specifierOf(entry)}';\n`);
  writeFileSync(join(consumer, 'entries.ts'), entries.join(''));
  npmInstall(
    'npm install <tarball> without Express',
    [tarball, `@types/node@${installedVersion('@types/node')}`],
    consumer,
  );
  run('tsc without @types/express, skipLibCheck off', bin('tsc'), ['-p', 'tsconfig.json'], consumer);
  console.log(run('run without Express', process.execPath, ['check.cjs'], consumer).trim().replace(/^/gm, '     '));
  checkWithoutBullmq(consumer);
}

/**
 * In the consumer without optional peers: the main and testing entries load and work without
 * bullmq (require() and import), /bullmq fails for want of it, the CLI's send runs, and its
 * dead-letter commands say that they need bullmq.
 */
function checkWithoutBullmq(consumer) {
  for (const file of ['without-peers.mjs', 'exercise.cjs']) copyFileSync(join(fixtures, file), join(consumer, file));
  console.log(
    run('without bullmq: require() and import', process.execPath, ['without-peers.mjs'], consumer)
      .trim()
      .replace(/^/gm, '     '),
  );
  const cli = join(consumer, 'node_modules', '.bin', 'tencent-chat-recall-webhook');
  run('without bullmq: bin send --dry-run', cli, ['send', 'http://127.0.0.1:3000/callback', '--dry-run'], consumer);
  const failed = spawnSync(cli, ['failed', '--queue', 'tencent-chat-recalls'], {
    cwd: consumer,
    env,
    encoding: 'utf8',
  });
  if (failed.status !== 1 || !/failed needs the bullmq package/.test(failed.stderr)) {
    throw new Error(
      `without bullmq, bin failed should exit 1 naming bullmq; it exited ${failed.status}: ${failed.stderr}`,
    );
  }
  console.log('ok   without bullmq: bin failed exits 1 and names bullmq');
}
