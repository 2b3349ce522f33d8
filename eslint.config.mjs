// ESLint with typescript-eslint: the recommended rules for TypeScript, run by `npm run lint` (and by .ci/run).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'bench/results/**', 'coverage/**', 'test/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // matching control characters on purpose is how free text is cleaned for headers, logs, CSV and CEF
      'no-control-regex': 'off',
    },
  },
  // tests read HTTP answers as untyped JSON and assert their shape with expect
  { files: ['test/**/*.ts', '**/*.spec.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // CommonJS files (Jest's and SWC's configuration, the Kafka and lockfile tools) load modules with require()
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
