import { defineConfig } from 'vitest/config';

// Lets `pnpm test` run in this folder alone; the root run picks this project up through its
// `packages/*` glob.
export default defineConfig({ test: { name: '@netsynth/test-support' } });
