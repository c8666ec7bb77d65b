import { defineConfig, type Options } from 'tsup';
import subpaths from './lib/entries/subpaths.json';

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
        ? { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" }
        : {},
    // tsup's declaration build sets `baseUrl`, which TypeScript 6 deprecates.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    // The two builds run side by side: cleaning spares the CLI's output.
    clean: ['!cli.js'],
  },
  // The `bin` command needs only one format and no declarations.
  { ...shared, entry: { cli: 'lib/cli/index.ts' }, format: ['cjs'] },
]);
