import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // stdout carries the MCP protocol: diagnostics go through src/log.ts to stderr.
      'no-console': 'error',
    },
  },
  {
    files: ['bench/**/*.mjs'],
    languageOptions: { globals: { fetch: 'readonly', performance: 'readonly', URLSearchParams: 'readonly' } },
  },
  {
    // Tests index into fixtures they just built: a failed assertion is the better error.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
