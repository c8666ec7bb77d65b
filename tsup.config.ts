import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { init as initLexer, parse as parseCommonJs } from 'cjs-module-lexer';
import { defineConfig, type Options } from 'tsup';
import subpaths from './lib/entries/subpaths.json';

const DIST = resolve('dist');

/**
 * The ES module entry points re-export the CommonJS build, by name (Node's ES module wrapper for a
 * dual package): one copy of the package whichever way it is loaded, so its error classes are the
 * same classes; no CommonJS dependency (`debug`) imported from an ES module, which costs a cold
 * start; and what is loaded late (Joi, raw-body) is required from CommonJS, where bundlers follow
 * it. The names are those Node itself finds in the CommonJS entry (cjs-module-lexer), read without
 * running it. tsup still builds the ES modules for their declarations (`.d.mts`); their code is
 * replaced.
 */
async function writeEsModuleWrappers(): Promise<void> {
  await initLexer();
  for (const { name } of subpaths) {
    const { exports, reexports } = parseCommonJs(readFileSync(join(DIST, `${name}.js`), 'utf8'));
    const names = exports.filter((exported) => exported !== '__esModule');
    if (names.includes('default') || reexports.length > 0) {
      throw new Error(`dist/${name}.js: a default export or a re-export cannot be re-exported by name`);
    }
    const reexport = `export { ${names.join(', ')} } from './${name}.js';\n`;
    const peers = peersRequiredBy(`${name}.js`);
    if (peers.length === 0) {
      writeFileSync(join(DIST, `${name}.mjs`), reexport);
    } else {
      writeFileSync(join(DIST, `${name}.peer.mjs`), peerLoader(name));
      // A named import: bundlers drop the unused module without a warning (`sideEffects: false`),
      // and a bundle needs no loader, since it runs no CommonJS file under Node's import.
      writeFileSync(join(DIST, `${name}.mjs`), `import { loaded } from './${name}.peer.mjs';\n${reexport}`);
    }
  }
  for (const file of readdirSync(DIST)) if (/^chunk-.*\.mjs$/.test(file)) rmSync(join(DIST, file));
}

const PEER_DEPENDENCIES = Object.keys(
  (JSON.parse(readFileSync('package.json', 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies,
);

/** The optional peer dependencies a CommonJS file of the build requires, itself or through its chunks. */
function peersRequiredBy(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const code = readFileSync(join(DIST, file), 'utf8');
  const required = [...code.matchAll(/\brequire\((['"])([^'"]+)\1\)/g)].map((match) => match[2]);
  return [
    ...new Set([
      ...required.filter((name) => PEER_DEPENDENCIES.includes(name)),
      ...required.filter((name) => name.startsWith('./')).flatMap((chunk) => peersRequiredBy(chunk.slice(2), seen)),
    ]),
  ];
}

/**
 * Imported by an ES module entry whose CommonJS file requires an optional peer dependency, before
 * its re-export: it loads the CommonJS file with `require`, so that a missing peer rejects the
 * `import()` as any error of an ES module does. Left to the re-export, Node 20 would also throw
 * the CommonJS file's load error as uncaught, ending a process whose code caught it. The module is
 * then cached, so the re-export takes the very same one. In a bundle the file is not beside this
 * one (the bundler inlined it): then nothing is loaded here.
 */
function peerLoader(name: string): string {
  const file = `./${name}.js`;
  return [
    "import { createRequire } from 'node:module';",
    'try {',
    `  createRequire(import.meta.url)('${file}');`,
    '} catch (error) {',
    `  const bundled = error?.code === 'MODULE_NOT_FOUND' && error.message.startsWith("Cannot find module '${file}'");`,
    '  if (!bundled) throw error;',
    '}',
    'export const loaded = true;',
    '',
  ].join('\n');
}

/**
 * The CommonJS build with shared chunks is made by esbuild as ES modules and converted, so its
 * `require`s of what is loaded late (Joi, raw-body) come out as calls of esbuild's `__require`
 * helper, which bundlers cannot follow. They are written back as plain `require` calls; a call
 * of another form fails the build rather than leave bundles without the module.
 */
function writePlainRequires(): void {
  const helperCall = /(?<![\w$.])(?:_chunk\w+\.)?__require(?:\.call\(void 0, |\()("[^"]+")\)/g;
  for (const file of readdirSync(DIST)) {
    if (!file.endsWith('.js')) continue;
    const path = join(DIST, file);
    const code = readFileSync(path, 'utf8');
    const plain = code.replace(helperCall, 'require($1)');
    if (/(?<![\w$])__require\b(?!\s*[=;])/.test(plain.replace(/\bexports\.__require = __require;/, ''))) {
      throw new Error(`dist/${file}: a call of esbuild's __require helper was left, which bundlers would not follow`);
    }
    if (plain !== code) writeFileSync(path, plain);
  }
}

const shared: Options = {
  target: 'node20',
  platform: 'node',
  removeNodeProtocol: false,
  // Classes keep their names (`new SignatureVerificationError('x').name`, util.inspect, a span's
  // error.type): the CommonJS conversion assigns them as anonymous class expressions. The names
  // are string literals, so a consumer's minifier keeps them too.
  keepNames: true,
  tsconfig: 'tsconfig.build.json',
  outDir: 'dist',
};

export default defineConfig([
  // The library, in both module formats: CommonJS as dist/*.js with dist/*.d.ts, ES modules as
  // dist/*.mjs with dist/*.d.mts. `node` and `fetch` are the entry points whose declarations do
  // not import Express.
  {
    ...shared,
    entry: Object.fromEntries(subpaths.map(({ name, source }) => [name, source])),
    format: ['cjs', 'esm'],
    // Shared chunks in CommonJS too, so that every entry point has the same error classes.
    splitting: true,
    onSuccess: async () => {
      writePlainRequires();
      await writeEsModuleWrappers();
    },
    // tsup's declaration build sets `baseUrl`, which TypeScript 6 deprecates.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    // The two builds run side by side: cleaning spares the CLI's output.
    clean: ['!cli.js'],
  },
  // The `bin` command needs only one format and no declarations.
  { ...shared, entry: { cli: 'lib/cli/index.ts' }, format: ['cjs'] },
]);
