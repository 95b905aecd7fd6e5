import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // Two cores: ML-heavy files run one after another rather than fighting over them.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // A poll waits for what the app does in its own time (a write, a regroup, a re-render): on a
    // loaded 2-core machine that took over the 1 s default (a merge after an undo, in CI).
    expect: { poll: { timeout: 30_000, interval: 50 } },
  },
});
