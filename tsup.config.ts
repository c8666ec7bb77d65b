import { defineConfig } from 'tsup';

// One build, two module formats: CommonJS as dist/*.js with dist/*.d.ts, ES modules as
// dist/*.mjs with dist/*.d.mts. Each entry becomes a file of both formats.
export default defineConfig({
  entry: {
    index: 'lib/index.ts',
    testing: 'lib/testing.ts',
  },
  format: ['cjs', 'esm'],
  target: 'node20',
  platform: 'node',
  removeNodeProtocol: false,
  // tsup's declaration build sets `baseUrl`, which TypeScript 6 deprecates.
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  tsconfig: 'tsconfig.build.json',
  clean: true,
  outDir: 'dist',
});
