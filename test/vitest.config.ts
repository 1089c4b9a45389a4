import { defineProject } from 'vitest/config';

// Lets `pnpm test` run in this folder alone; the root run picks this project up as `test`.
export default defineProject({
  test: { name: '@netsynth/test', include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000 },
});
