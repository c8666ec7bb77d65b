import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// lib/ is in wings whose imports point one way: protocol <- observability <- delivery <- http <-
// adapters, reconcile <- durable, with testing and cli on top, and the public entry points over
// everything. Each wing lists the wings it may import from.
const WINGS = {
  protocol: [],
  observability: ['protocol'],
  delivery: ['protocol', 'observability'],
  http: ['protocol', 'observability', 'delivery'],
  adapters: ['protocol', 'observability', 'delivery', 'http'],
  reconcile: ['protocol', 'observability', 'delivery', 'http'],
  durable: ['protocol', 'observability', 'delivery', 'reconcile'],
  testing: ['protocol'],
  cli: ['protocol', 'observability', 'delivery', 'http', 'reconcile', 'durable', 'testing'],
};

const importDirection = Object.entries(WINGS).map(([wing, allowed]) => ({
  files: [`lib/${wing}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            // Any other wing: a path that leaves this folder, unless into an allowed wing.
            regex: allowed.length > 0 ? `^\\.\\./(?!(${allowed.join('|')})/)` : '^\\.\\./',
            message: `lib/${wing}/ imports only from ${allowed.length > 0 ? allowed.map((other) => `lib/${other}/`).join(', ') : 'itself'}: imports point one way.`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'coverage/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    // Same convention as TypeScript's noUnusedParameters: a leading underscore marks a parameter kept
    // for its position, such as `next` in an Express error handler.
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }] },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['__tests__/**/*.ts'],
    languageOptions: { globals: globals.jest },
    // Tests spy on CommonJS module objects, which only require() hands out.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...importDirection,
  prettier,
);
