import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources, not dist/, so a test never sees a stale build.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@rampart\/core\/testing$/, replacement: here('./packages/core/src/testing/index.ts') },
      { find: /^@rampart\/core\/admin$/, replacement: here('./packages/core/src/admin/index.ts') },
      { find: /^@rampart\/core$/, replacement: here('./packages/core/src/index.ts') },
      { find: /^@rampart\/otel\/prometheus$/, replacement: here('./packages/otel/src/prometheus/index.ts') },
      { find: /^@rampart\/otel$/, replacement: here('./packages/otel/src/index.ts') },
      { find: /^@rampart\/config$/, replacement: here('./packages/config/src/index.ts') },
      { find: /^@rampart\/dashboards$/, replacement: here('./dashboards/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'dashboards/src/**/*.test.ts',
      'examples/src/**/*.test.ts',
      'bench/src/**/*.test.ts',
      'test/**/*.test.ts',
      'api/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Two cores: keep parallelism modest so timing-insensitive tests stay that way under load.
    maxWorkers: 2,
  },
});
