import { describe, expect, it } from 'vitest';
import { ResBlock, UNet, buildBenchUNet } from '../src/index.js';

describe('benchmark U-Net', () => {
  it('has the PyTorch reference parameter count and state_dict names', () => {
    const net = buildBenchUNet();
    // torch_unet_step.py with its defaults reports 1,112,801 parameters.
    expect(net.parameterCount()).toBe(1112801);
    const names = net.namedParameters().map(([n]) => n);
    expect(names.slice(0, 6)).toEqual(['temb.0.weight', 'temb.0.bias', 'temb.2.weight', 'temb.2.bias', 'inc.weight', 'inc.bias']);
    expect(names).toContain('down.0.n1.weight');
    expect(names).toContain('down.5.qkv.weight');
    expect(names).toContain('mid.1.o.bias');
    expect(names).toContain('up.0.skip.weight');
    expect(names).toContain('out.2.weight');
    expect(new Set(names).size).toBe(names.length);
  });
  it('class conditioning adds a label embedding', () => {
    const net = buildBenchUNet({ classes: 10 });
    expect(net.parameterCount()).toBe(1112801 + 10 * 128);
    expect(net.namedParameters().map(([n]) => n)).toContain('cemb.weight');
  });
  it('runs on series (dims 1) with Conv1d weights and a rectangular size, attention where asked', () => {
    const net = new UNet({ dims: 1, size: [16], ch: 8, mults: [1, 2], groups: 4, attentionResolutions: [8], midAttention: false, classes: 3 });
    const params = new Map(net.namedParameters());
    expect(params.get('inc.weight')?.shape).toEqual([8, 1, 3]);
    // Attention at length 8 only (the second level), none in the bottleneck.
    expect([...params.keys()].filter((n) => n.endsWith('.qkv.weight')).every((n) => !n.startsWith('mid.'))).toBe(true);
    expect([...params.keys()].some((n) => n.endsWith('.qkv.weight'))).toBe(true);
    expect(() => new UNet({ size: [16, 12], mults: [1, 2, 2, 2] })).toThrow(/cannot be halved/);
  });
  it('a residual block under diffusers names (ResnetBlock2D), without time input for the VAE', () => {
    const names = (b: ResBlock): string[] => b.namedParameters().map(([n]) => n.split('.')[0] as string);
    expect(new Set(names(new ResBlock(4, 8, 6, 2, { names: 'diffusers' })))).toEqual(
      new Set(['norm1', 'conv1', 'time_emb_proj', 'norm2', 'conv2', 'conv_shortcut']),
    );
    expect(new Set(names(new ResBlock(4, 4, 0, 2, { names: 'diffusers' })))).toEqual(new Set(['norm1', 'conv1', 'norm2', 'conv2']));
  });
});
