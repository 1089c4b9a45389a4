import { defineProject } from 'vitest/config';

// Lets `pnpm test` run in this folder alone (the root config's reporter path is root-relative);
// the root run picks this project up through its package globs.
export default defineProject({
  test: { name: '@netsynth/schedulers', testTimeout: 60_000, hookTimeout: 120_000 },
});
