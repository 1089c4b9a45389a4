import { describe, expect, it } from 'vitest';
import { controlActive, controlNetOptionsSchema, fromHalf, toHalf } from '../src/index.js';

describe('guidance window', () => {
  it('follows diffusers: step i of T is on when i/T ≥ start and (i+1)/T ≤ end', () => {
    const on = (s: number, e: number, T = 10): number[] => Array.from({ length: T }, (_, i) => i).filter((i) => controlActive(i, T, s, e));
    expect(on(0, 1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(on(0, 0.5)).toEqual([0, 1, 2, 3, 4]);
    expect(on(0.5, 1)).toEqual([5, 6, 7, 8, 9]);
    expect(on(0.25, 0.75)).toEqual([3, 4, 5, 6]);
    expect(on(0, 0)).toEqual([]);
  });
});

describe('options', () => {
  it('fills defaults and rejects a window that ends before it starts', () => {
    const o = controlNetOptionsSchema.parse({});
    expect(o).toMatchObject({
      control: 'structure',
      conditioningScale: 1,
      guidanceStart: 0,
      guidanceEnd: 1,
      reference: 'random',
      canny: { low: 100, high: 200 },
    });
    expect(controlNetOptionsSchema.safeParse({ guidanceStart: 0.8, guidanceEnd: 0.2 }).success).toBe(false);
    expect(controlNetOptionsSchema.safeParse({ canny: { low: 250, high: 200 } }).success).toBe(false);
    expect(controlNetOptionsSchema.safeParse({ control: 'depth' }).success).toBe(false);
  });
});

describe('float16', () => {
  it('converts exactly representable values both ways and rounds to nearest even', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, -0.333251953125]) expect(fromHalf(toHalf(v))).toBe(v);
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(1e6)).toBe(0x7c00); // overflow → inf
    expect(fromHalf(toHalf(1 + 2 ** -11))).toBe(1); // tie → even
    expect(fromHalf(toHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
  });
});
