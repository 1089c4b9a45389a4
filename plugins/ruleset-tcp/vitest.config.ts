import { defineProject } from 'vitest/config';

// Lets `pnpm test` run in this folder alone; the root run picks this project up through its glob.
export default defineProject({
  test: { name: '@netsynth/ruleset-tcp', testTimeout: 60_000 },
});
