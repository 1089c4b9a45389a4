import { describe, expect, it } from 'vitest';
import { buildBenchUNet } from '../src/index.js';

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
});
