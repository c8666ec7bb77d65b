import { defineConfig, type Options } from 'tsup';
import subpaths from './lib/entries/subpaths.json';
import { dependencies } from './package.json';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

// The package's own dependencies are all CommonJS. An ES module that imports CommonJS makes Node
// parse its source for named exports, which costs a cold start about 25 ms for `debug` alone; the
// ES module build loads them with the banner's `require` instead, which gives the same instances.
// They are listed in `noExternal` only so that they reach this plugin, which keeps them external.
const commonJsDependency = new RegExp(`^(${Object.keys(dependencies).join('|')})(/|$)`);
const requireCommonJsDependencies: EsbuildPlugin = {
  name: 'require-commonjs-dependencies',
  setup(build) {
    // tsup names the output's format in `define`.
    const esm = build.initialOptions.define?.TSUP_FORMAT === JSON.stringify('esm');
    build.onResolve({ filter: commonJsDependency }, ({ path, kind }) =>
      esm && kind === 'import-statement' ? { path, namespace: 'commonjs-dependency' } : { path, external: true },
    );
    build.onLoad({ filter: /.*/, namespace: 'commonjs-dependency' }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(path)});`,
      loader: 'js',
    }));
  },
};

const shared: Options = {
  target: 'node20',
  platform: 'node',
  removeNodeProtocol: false,
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
    // Joi is required when first needed (an invalid body or options to explain), not imported with
    // the package: ES modules get a `require` for it.
    banner: ({ format }) =>
      format === 'esm'
        ? { js: "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);" }
        : {},
    noExternal: [commonJsDependency],
    esbuildPlugins: [requireCommonJsDependencies],
    // tsup's declaration build sets `baseUrl`, which TypeScript 6 deprecates.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    // The two builds run side by side: cleaning spares the CLI's output.
    clean: ['!cli.js'],
  },
  // The `bin` command needs only one format and no declarations.
  { ...shared, entry: { cli: 'lib/cli/index.ts' }, format: ['cjs'] },
]);
