// Import rules that keep the layers apart, so that nobody has to remember them.
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

const noElectron = { name: 'electron', message: 'Only src-main/electron may import electron.' };
const noAdapters = { group: ['**/cli/**', '**/server/**', '**/electron/**', '**/tools/**'], message: 'core must not import its adapters or tools.' };
const noSvelte = { group: ['svelte', 'svelte/*'], message: 'core is plain Node.' };

/**
 * The core's folders in the order the data flows, lowest first: a folder imports only from
 * its own layer and the layers before it, so nothing climbs back up (a stage never reaches
 * the pipeline runner, the wiring or the API above it). `app.ts` is the wiring of every
 * service; benchmarks and training use the whole app, as any client would.
 */
const CORE_LAYERS = [
  ['ml', 'contract', 'paths.ts', 'worker-script.ts'],
  ['db'],
  ['library'],
  ['analysis'],
  ['embedding'],
  ['grouping'],
  ['learning'],
  ['people'],
  ['duplicates'],
  ['tags'],
  ['media'],
  ['scan'],
  ['app.ts'],
  ['api'],
  ['benchmarks'],
  ['training'],
];

// Relative imports name a folder anywhere up the path (`../../grouping/x.js`), a file by its name.
const importPattern = (entry) => (entry.endsWith('.ts') ? `**/${entry.replace(/\.ts$/, '.js')}` : `**/${entry}/**`);

/** The restricted-import rule of one layer: every layer above it is out of reach. */
function layerRule(level, extraPatterns = []) {
  const above = CORE_LAYERS.slice(level + 1).flat();
  const patterns = above.map((entry) => ({
    group: [importPattern(entry)],
    message: `${CORE_LAYERS[level].join(', ')} sits below ${entry} in the data flow: move the shared code down instead of importing upward.`,
  }));
  return ['error', { paths: [noElectron], patterns: [noAdapters, noSvelte, ...patterns, ...extraPatterns] }];
}

const filesOf = (entry) => (entry.endsWith('.ts') ? [`src-main/core/${entry}`] : [`src-main/core/${entry}/**/*.ts`]);

const coreLayerConfigs = CORE_LAYERS.map((layer, level) => ({
  files: layer.flatMap(filesOf),
  rules: { 'no-restricted-imports': layerRule(level) },
}));

// Grouping's algorithms are pure functions over vectors and constraints.
const GROUPING_LEVEL = CORE_LAYERS.findIndex((l) => l.includes('grouping'));
const pureGrouping = {
  files: [
    'src-main/core/grouping/cluster.ts',
    'src-main/core/grouping/merge-distance.ts',
    'src-main/core/grouping/grouping-metrics.ts',
    'src-main/core/grouping/candidate-veto.ts',
    'src-main/core/grouping/anchor-groupings.ts',
  ],
  rules: {
    'no-restricted-imports': layerRule(GROUPING_LEVEL, [
      { group: ['@tensorflow/*', '**/ml/runtime.js'], message: 'grouping code does not use tfjs.' },
      { group: ['better-sqlite3', '**/db/**'], message: 'grouping code does not touch the database.' },
    ]),
  },
};

// The window talks to the main process only through the contract, and takes only its types.
const rendererRule = [
  'error',
  {
    paths: [noElectron],
    patterns: [
      { group: ['node:*'], message: 'The renderer runs in a browser: no Node modules.' },
      { group: ['**/src-main/**', '!**/src-main/core/contract/api.js'], message: 'The renderer uses only the API contract.' },
      { group: ['**/src-main/core/contract/api.js'], allowTypeImports: true, message: 'The renderer imports only types from the contract.' },
    ],
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src-renderer/dist/**', '.bench/**', '.scratch/**', 'release/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...coreLayerConfigs,
  pureGrouping,
  {
    files: ['src-main/cli/**/*.ts', 'src-main/server/**/*.ts', 'src-main/tools/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
  {
    files: ['src-renderer/src/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': rendererRule },
  },
  // .svelte files too: their <script lang="ts"> is parsed by TypeScript's parser.
  ...svelte.configs['flat/base'],
  {
    files: ['src-renderer/src/**/*.svelte', 'src-renderer/src/**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: { '@typescript-eslint/no-restricted-imports': rendererRule },
  },
);
