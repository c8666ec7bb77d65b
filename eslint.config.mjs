import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
  prettier,
);
