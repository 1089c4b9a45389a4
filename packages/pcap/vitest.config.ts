import { defineProject } from 'vitest/config';

// Lets `pnpm test` run in this folder alone (the root config's reporter path is root-relative);
// the root run picks this project up through its `packages/*` glob.
export default defineProject({
  test: { name: '@netsynth/pcap', testTimeout: 60_000, hookTimeout: 120_000 },
});
