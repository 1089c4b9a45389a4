import { defineProject } from 'vitest/config';

// Lets `pnpm test` run in this folder alone; the root run picks this project up through `plugins/*`.
export default defineProject({
  test: { name: '@netsynth/encoder-packetfields', testTimeout: 60_000 },
});
