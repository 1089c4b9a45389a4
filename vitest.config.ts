import { defineConfig } from 'vitest/config';

// One vitest run over every package, so the suite schedules its files across the two
// cores together and ends with one summary. Each package also runs alone with `pnpm test`
// in its folder (turbo run test).
export default defineConfig({
  test: {
    projects: ['packages/*', 'plugins/*', 'apps/*', 'test'],
    reporters: ['default', './scripts/summary-reporter.mjs'],
  },
});
