// Import rules that keep the layers apart, so that nobody has to remember them.
import tseslint from 'typescript-eslint';

const noElectron = { name: 'electron', message: 'Only src-main/electron may import electron.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src-renderer/dist/**', '.bench/**', '.scratch/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['**/cli/**', '**/server/**', '**/electron/**'], message: 'core must not import its adapters.' },
            { group: ['svelte', 'svelte/*'], message: 'core is plain Node.' },
          ],
        },
      ],
    },
  },
  {
    // Grouping is pure functions over vectors and constraints.
    files: ['src-main/core/people/cluster.ts', 'src-main/core/people/grouping-metrics.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['@tensorflow/*', '**/ml/**'], message: 'grouping code does not use tfjs.' },
            { group: ['better-sqlite3', '**/db/**'], message: 'grouping code does not touch the database.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/cli/**/*.ts', 'src-main/server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
  {
    // The window talks to the main process only through the contract, and takes only its types.
    files: ['src-renderer/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['node:*'], message: 'The renderer runs in a browser: no Node modules.' },
            { group: ['**/src-main/**', '!**/src-main/core/contract/api.js'], message: 'The renderer uses only the API contract.' },
            { group: ['**/src-main/core/contract/api.js'], allowTypeImports: true, message: 'The renderer imports only types from the contract.' },
          ],
        },
      ],
    },
  },
);
