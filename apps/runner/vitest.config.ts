import { defineProject } from 'vitest/config';

// Lets `pnpm test` run in this folder alone; the root run picks this project up through `apps/*`.
export default defineProject({
  test: { name: '@netsynth/runner', testTimeout: 60_000, hookTimeout: 120_000 },
});
