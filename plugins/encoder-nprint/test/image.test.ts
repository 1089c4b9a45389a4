import { describe, expect, it } from 'vitest';
import { cellFromOnehot, cellFromSigned } from '../src/tensor.js';
import { imageToRows, rowsToImage, snapImage, snapPixel } from '../src/image.js';
import { decodePng, encodePng } from '../src/png.js';
import { parseNprintCsv } from '../src/csv.js';

describe('snapping a generated pixel', () => {
  it('NetDiffusion’s red test comes first: r > 0, g < 160, b < 100', () => {
    expect(snapPixel(10, 150, 50)).toBe(1);
    expect(snapPixel(10, 150, 50, 'largest')).toBe(0);
    expect(snapPixel(1, 159, 99)).toBe(1);
    expect(snapPixel(0, 159, 99)).toBe(0);
    expect(snapPixel(1, 160, 99)).toBe(0);
    expect(snapPixel(1, 100, 100)).toBe(0);
    expect(snapPixel(1, 99, 100)).toBe(-1);
  });

  it('otherwise the largest channel wins, ties red, then green, then blue', () => {
    expect(snapPixel(0, 0, 0)).toBe(1);
    expect(snapPixel(255, 255, 255)).toBe(1);
    expect(snapPixel(200, 200, 10)).toBe(1);
    expect(snapPixel(200, 10, 200)).toBe(1);
    expect(snapPixel(0, 200, 200)).toBe(0);
    expect(snapPixel(0, 199, 200)).toBe(-1);
    expect(snapPixel(0, 255, 0)).toBe(0);
    expect(snapPixel(0, 0, 255)).toBe(-1);
  });

  it('tensor cells use the same tie order', () => {
    expect(cellFromOnehot(0, 0, 0)).toBe(1);
    expect(cellFromOnehot(-1, 0.2, 0.2)).toBe(0);
    expect(cellFromOnehot(-1, 0.1, 0.2)).toBe(-1);
    expect([cellFromSigned(0.5), cellFromSigned(0.49), cellFromSigned(-0.5), cellFromSigned(-0.51)]).toEqual([1, 0, 0, -1]);
  });

  it('snapImage gives pure colours', () => {
    const image = { width: 3, height: 1, rgba: Uint8Array.of(10, 150, 50, 255, 0, 200, 200, 255, 0, 6, 7, 255) };
    expect(Array.from(snapImage(image).rgba)).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
  });
});

describe('rows ⇄ picture', () => {
  const table = parseNprintCsv('src_ip,ipv4_ver_0,ipv4_src_0,tcp_syn_0\n1.1.1.1,1,1,0\n2.2.2.2,-1,0,1\n');

  it('drops addresses, colours 1 red / 0 green / -1 blue, pads with blue', () => {
    const img = rowsToImage(table, { height: 3 });
    expect([img.width, img.height]).toEqual([2, 3]);
    expect(Array.from(img.rgba)).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 255]);
    expect(() => rowsToImage(table, { height: 1 })).toThrow(/more than the image height/);
  });

  it('PNG round trip and back to rows', () => {
    const img = rowsToImage(table, { height: 3 });
    const back = decodePng(encodePng(img));
    expect(Buffer.from(back.rgba).equals(Buffer.from(img.rgba))).toBe(true);
    const rows = imageToRows(back, { columns: ['ipv4_ver_0', 'tcp_syn_0'] });
    expect(Array.from(rows.bits)).toEqual([1, 0, -1, 1, -1, -1]);
    expect(() => imageToRows(back)).toThrow(/2 pixels wide, the columns are 1088/);
  });

  it('a file that is not a PNG is an EncodingError naming it', () => {
    expect(() => decodePng(Uint8Array.of(1, 2, 3), 'x.png')).toThrow(/x.png, offset 0: not a readable PNG/);
  });
});
