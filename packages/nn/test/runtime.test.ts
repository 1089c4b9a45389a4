import { describe, expect, it } from 'vitest';
import { Graph, createOrtSession, ops, pluginRuntime, resolveExecutionProviders, serializeGraph } from '../src/index.js';

describe('execution providers', () => {
  it('drops a provider this runtime cannot load, with a warning, and always keeps cpu last', () => {
    const warnings: string[] = [];
    const got = resolveExecutionProviders({ executionProviders: ['no-such-provider', 'cpu'], onWarning: (m) => warnings.push(m) });
    expect(got).toEqual(['cpu']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"no-such-provider" is not available/);
    expect(resolveExecutionProviders({ executionProviders: ['cpu'] })).toEqual(['cpu']);
  });

  it('a CUDA request runs (on CUDA where its provider library is installed, else on the CPU with a warning)', async () => {
    const warnings: string[] = [];
    const runtime = { executionProviders: ['cuda', 'cpu'], onWarning: (m: string) => warnings.push(m) };
    const resolved = resolveExecutionProviders(runtime);
    expect(resolved.at(-1)).toBe('cpu');
    if (!resolved.includes('cuda')) expect(warnings.some((w) => w.includes('"cuda"'))).toBe(true);
    const g = new Graph();
    const x = g.input('x', [2, 3]);
    const s = await createOrtSession(serializeGraph(g, { y: ops.mul(x, 2) }), runtime);
    const { Tensor } = await import('onnxruntime-node');
    const r = await s.run({ x: new Tensor('float32', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]) });
    expect(Array.from((r['y'] as InstanceType<typeof Tensor>).data as Float32Array)).toEqual([2, 4, 6, 8, 10, 12]);
    await s.release();
  });
});

describe('pluginRuntime', () => {
  it("takes the plugin's own providers over the run's, and warns once per run on the run's progress", () => {
    const warnings: string[] = [];
    const ctx = { executionProviders: ['no-such-provider', 'cpu'], progress: { warn: (m: string) => warnings.push(m) } };
    expect(pluginRuntime(ctx).executionProviders).toEqual(['no-such-provider', 'cpu']);
    expect(pluginRuntime(ctx, ['cpu']).executionProviders).toEqual(['cpu']);
    for (let i = 0; i < 3; i++) expect(resolveExecutionProviders(pluginRuntime(ctx, undefined, { intraOpNumThreads: 1 }))).toEqual(['cpu']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"no-such-provider" is not available/);
  });

  it('without a context or an option the session runs on the CPU', () => {
    expect(resolveExecutionProviders(pluginRuntime(undefined))).toEqual(['cpu']);
  });
});
