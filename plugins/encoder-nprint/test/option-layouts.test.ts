import { describe, expect, it } from 'vitest';
import { DEFAULT_TCP_LAYOUTS, describeLayout, layoutTemplate, nearestLayout, parseOptionArea } from '../src/index.js';

/** Option areas as row cells: bytes MSB first, the rest of the 320-cell area -1. */
function area(bytes: number[]): Int8Array {
  const cells = new Int8Array(320).fill(-1);
  bytes.forEach((b, i) => {
    for (let j = 0; j < 8; j++) cells[i * 8 + j] = (b >> (7 - j)) & 1;
  });
  return cells;
}

describe('option layouts', () => {
  it('parses real option areas into layout keys, with MSS / window-scale values', () => {
    const syn = parseOptionArea(area([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]), 0, 320, 'tcp');
    expect(syn).toMatchObject({ key: '2:4,4:2,8:10,1,3:3', bytes: 20, present: 20 });
    expect(syn?.options.filter((o) => o.value !== undefined).map((o) => o.value)).toEqual([1460, 7]);
    expect(parseOptionArea(area([]), 0, 320, 'tcp')).toMatchObject({ key: '', bytes: 0 });
    expect(parseOptionArea(area([1, 1, 0, 0]), 0, 320, 'tcp')?.key).toBe('1,1,0');
  });

  it('refuses areas that are no option list: wrong fixed lengths, overruns, bytes after EOL, holes, partial bytes', () => {
    expect(parseOptionArea(area([2, 3, 5, 0]), 0, 320, 'tcp')).toBeNull(); // MSS length 3
    expect(parseOptionArea(area([8, 10, 0, 0]), 0, 320, 'tcp')).toBeNull(); // timestamps overrun
    expect(parseOptionArea(area([0, 1, 0, 0]), 0, 320, 'tcp')).toBeNull(); // non-zero after EOL
    const hole = area([1, 1, 1, 1]);
    hole[3] = -1;
    expect(parseOptionArea(hole, 0, 320, 'tcp')).toBeNull();
    const partial = area([1]);
    partial[8] = 1;
    expect(parseOptionArea(partial, 0, 320, 'tcp')).toBeNull();
    expect(parseOptionArea(area([7, 3, 4, 0]), 0, 320, 'ipv4')?.key).toBe('7:3,0'); // IPv4: any length >= 2 (record route here)
  });

  it('templates pad to 32-bit words with zero bytes and mark option values free', () => {
    const t = layoutTemplate('2:4,1,3:3', 320) as Int8Array;
    expect(t.length).toBe(320);
    expect([...t.subarray(0, 16)]).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]); // kind 2, length 4
    expect([...t.subarray(16, 32)].every((c) => c === 2)).toBe(true); // MSS value free
    expect([...t.subarray(56, 64)].every((c) => c === 2)).toBe(true); // shift free
    expect([...t.subarray(64, 128)].every((c) => c === -1)).toBe(true); // 8 bytes: nothing after
    expect(layoutTemplate('8:10,8:10,8:10,8:10,8:10', 320)).toBeNull(); // 52 bytes do not fit 40
  });

  it('nearest layout: fewest disagreeing cells, ties to the learned weight, then the shorter', () => {
    const other = DEFAULT_TCP_LAYOUTS.other.map((key) => ({ key, weight: 0 }));
    // NOP NOP TS-kind TS-length and no values: clearing 32 cells beats filling 64.
    expect(nearestLayout(area([1, 1, 8, 10]), 0, 320, other)).toMatchObject({ key: '', cost: 32, bytes: 0 });
    // With 6 of the 8 value bytes present the timestamps option is nearer (16 cells to fill).
    expect(nearestLayout(area([1, 1, 8, 10, 1, 2, 3, 4, 5, 6]), 0, 320, other)).toMatchObject({ key: '1,1,8:10', cost: 16, bytes: 12 });
    expect(nearestLayout(area([]), 0, 320, [{ key: '1,1,8:10', weight: 99 }]).key).toBe('');
    const stray = new Int8Array(320).fill(-1);
    stray[0] = 1;
    stray[1] = 1;
    expect(
      nearestLayout(
        stray,
        0,
        320,
        DEFAULT_TCP_LAYOUTS.syn.map((key) => ({ key, weight: 0 })),
      ).key,
    ).toBe('');
    expect(describeLayout('2:4,4:2,8:10,1,3:3', 'tcp')).toBe('MSS,SACK_PERM,TS,NOP,WS');
    expect(describeLayout('', 'ipv4')).toBe('none');
  });
});
