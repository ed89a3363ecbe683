import { defineConfig } from 'vitest/config';

/**
 * Test files that need no database: they run in their own project, without the global setup that
 * starts the embedded PostgreSQL and builds the template databases (about 10 s, more on a loaded
 * machine), so `npx vitest run test/docs` starts at once. A new file that needs no database goes here.
 */
const UNIT_FILES = [
  'test/docs/**/*.test.ts',
  'test/db/mask-secrets.test.ts',
  'test/package/cli-bundle.test.ts',
  'test/platform-binaries.test.ts',
  'test/runner/revision-graph.test.ts',
];

/** The benchmarks' smoke run is its own CI step (npm run test:bench): it loads a data set. */
const BENCH_FILES = ['test/bench/**/*.test.ts'];

const shared = {
  pool: 'forks' as const,
  // One worker process runs many files: no fork and no re-import of pg, kysely and the runner per
  // file (about 10 s of a run). Files stay isolated by their own databases (test/support/test-database.ts);
  // a test that changes process state (TZ, a spy) puts it back.
  isolate: false,
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    // Test files run in parallel; each gets its own databases cloned from one template.
    fileParallelism: true,
    maxWorkers: 2,
    // The JSON report lets .ci/run print its closing `N passed, N failed` line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      { test: { ...shared, name: 'unit', include: UNIT_FILES } },
      {
        test: {
          ...shared,
          name: 'database',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT_FILES, ...BENCH_FILES, '**/node_modules/**'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      { test: { ...shared, name: 'bench', include: BENCH_FILES, globalSetup: ['test/support/global-setup.ts'] } },
    ],
  },
});
