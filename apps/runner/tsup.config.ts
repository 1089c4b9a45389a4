import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the programmatic API; cli: the `netsynth` bin (shebang kept by esbuild).
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
