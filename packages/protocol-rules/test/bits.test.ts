import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitDistance, readBits, seqAdd, seqDiff, writeBits } from '../src/index.js';

describe('bit access', () => {
  it('writes then reads back any field at any bit offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 32 }), fc.nat(), (offset, width, raw) => {
        const data = new Uint8Array(16).fill(0xa5);
        const value = width === 32 ? raw >>> 0 : raw % 2 ** width;
        writeBits(data, offset, width, value);
        expect(readBits(data, offset, width)).toBe(value);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('leaves the bits around a field alone', () => {
    const data = new Uint8Array([0xff, 0xff, 0xff]);
    writeBits(data, 4, 13, 0);
    expect([...data]).toEqual([0xf0, 0x00, 0x7f]);
    expect(readBits(Uint8Array.of(0x45), 0, 4)).toBe(4);
    expect(readBits(Uint8Array.of(0x45), 4, 4)).toBe(5);
  });

  it('does serial-number arithmetic across the 32-bit wrap', () => {
    expect(seqDiff(0xfffffff0, 0x10)).toBe(0x20);
    expect(seqDiff(0x10, 0xfffffff0)).toBe(-0x20);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
    expect(bitDistance(0b1010, 0b0110, 4)).toBe(2);
  });
});
