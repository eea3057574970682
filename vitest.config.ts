import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: {
    // Plugins import the SDK as 'exitgraph'; in tests that is the source tree.
    alias: [
      { find: /^exitgraph$/, replacement: fileURLToPath(new URL('./sdk/index.ts', import.meta.url)) },
      { find: /^exitgraph\/early-exit$/, replacement: fileURLToPath(new URL('./sdk/early-exit/index.ts', import.meta.url)) },
      { find: /^exitgraph\/testing$/, replacement: fileURLToPath(new URL('./sdk/testing/index.ts', import.meta.url)) },
      { find: /^exitgraph\/browser$/, replacement: fileURLToPath(new URL('./sdk/kernel/browser.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
