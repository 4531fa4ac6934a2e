import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The construct deploys pre-built bundles (dist/bundles): built once before every run.
    globalSetup: ['test/support/bundles-global-setup.ts'],
    // The suites start real servers on loopback (the WeChat simulator, later dynalite): give them room
    // on a 2-core CI machine, but never let a hung socket hang the run.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
