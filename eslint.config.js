// Lint: the few rules that catch real defects here, type-aware where that matters.
// - no-floating-promises everywhere: an unawaited promise in workflow code or a handler loses errors.
// - workflows/ and domain/ import no Node built-ins and nothing with I/O (workflow code must be
//   deterministic; Temporal's bundler would refuse some of it only at worker start).
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'url', 'util', 'stream', 'timers', 'dns', 'worker_threads'];
const restricted = {
  patterns: [
    { group: ['node:*', ...nodeBuiltins], message: 'workflow and domain code is deterministic: no Node built-ins' },
    {
      group: [
        '**/db/*',
        '**/api/*',
        '**/runtime/*',
        '**/generated/**',
        '@prisma/*',
        'pg',
        'pino',
        'express',
        '@temporalio/client',
        '@temporalio/worker',
        '@temporalio/activity',
      ],
      message: 'workflow and domain code does no I/O',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'generated/**', '.tools/**', '.data/**', 'dist/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    ignores: ['workflows/**/client.ts'],
    rules: { 'no-restricted-imports': ['error', restricted] },
  },
);
