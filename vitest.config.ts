import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // the default output, plus a reporter that fails the run when a TVB-parity test skipped although ../shared is there
    reporters: ['default', './test/reporters/parity-guard.ts'],
    // one event-loop turn before each test (see the file): long synchronous files otherwise starve vitest's RPC
    setupFiles: ['./test/setup/yield.ts'],
  },
});
