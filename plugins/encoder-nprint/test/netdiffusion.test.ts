import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { formatNprintCsv, parseNprintCsv } from '../src/csv.js';
import { imageToRows, rowsToImage, snapImage } from '../src/image.js';
import { NETDIFFUSION_IMAGE_COLUMNS, NPRINT_COLUMNS } from '../src/layout.js';
import { decodePng } from '../src/png.js';
import { packetsToRows, rowsToPackets } from '../src/rows.js';
import { selectColumns } from '../src/table.js';

const HAVE_SHARED = haveShared('@netsynth/encoder-nprint data tests');

const read = (name: string): Buffer => readFileSync(sharedPath('netdiffusion', name));

function countPixelDifferences(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) diff++;
  }
  return diff;
}

describe.skipIf(!HAVE_SHARED)('NetDiffusion reference files', () => {
  it('preprocessed_netflix_01.nprint → packets → CSV reproduces the file byte for byte', () => {
    const original = read('preprocessed_netflix_01.nprint');
    const table = parseNprintCsv(original, 'preprocessed_netflix_01.nprint');
    expect(table.indexColumn).toBe('src_ip');
    expect(table.columns).toEqual(NPRINT_COLUMNS);
    expect(table.rowCount).toBe(1024);

    const decoded = rowsToPackets(table);
    expect(decoded.problems).toEqual([]);
    expect(decoded.packets).toHaveLength(1024);
    expect(decoded.packets.every((p) => p.linkType === 101 && p.timestampNs === 0n)).toBe(true);

    const again = packetsToRows(decoded.packets);
    expect(again.skipped).toEqual([]);
    const text = formatNprintCsv(again.table);
    expect(Buffer.from(text, 'utf8').equals(original)).toBe(true);
  });

  it('its image equals preprocessed_netflix_01.png pixel for pixel', () => {
    const table = parseNprintCsv(read('preprocessed_netflix_01.nprint'));
    const mine = rowsToImage(table);
    const reference = decodePng(read('preprocessed_netflix_01.png'));
    expect([mine.width, mine.height]).toEqual([1088, 1024]);
    expect([reference.width, reference.height]).toEqual([1088, 1024]);
    expect(countPixelDifferences(mine.rgba, reference.rgba)).toBe(0);
  });

  it('generated_netflix_5.png → snapped bits equal generated_netflix_5.nprint bit for bit (and the file itself)', () => {
    const reference = read('generated_netflix_5.nprint');
    const expected = parseNprintCsv(reference);
    expect(expected.indexColumn).toBe('');
    expect(expected.columns).toEqual(NETDIFFUSION_IMAGE_COLUMNS);
    const snapped = imageToRows(decodePng(read('generated_netflix_5.png')));
    expect(snapped.rowCount).toBe(expected.rowCount);
    let differing = 0;
    for (let i = 0; i < expected.bits.length; i++) if (snapped.bits[i] !== expected.bits[i]) differing++;
    expect(differing).toBe(0);
    expect(Buffer.from(formatNprintCsv(snapped), 'utf8').equals(reference)).toBe(true);
  });

  it('the largest-channel rule alone does not reproduce NetDiffusion’s snapping (its red test comes first)', () => {
    const expected = parseNprintCsv(read('generated_netflix_5.nprint'));
    const snapped = imageToRows(decodePng(read('generated_netflix_5.png')), { snap: 'largest' });
    let differing = 0;
    for (let i = 0; i < expected.bits.length; i++) if (snapped.bits[i] !== expected.bits[i]) differing++;
    expect(differing).toBeGreaterThan(0);
  });

  it('color_processed_netflix_5.png is the snapped picture and the picture of generated_netflix_5.nprint', () => {
    const colour = decodePng(read('color_processed_netflix_5.png'));
    const snapped = snapImage(decodePng(read('generated_netflix_5.png')));
    expect(countPixelDifferences(snapped.rgba, colour.rgba)).toBe(0);
    const fromCsv = rowsToImage(parseNprintCsv(read('generated_netflix_5.nprint')));
    expect(countPixelDifferences(fromCsv.rgba, colour.rgba)).toBe(0);
  });

  it('the 1408-column rows restricted to the image columns give the same picture', () => {
    const table = parseNprintCsv(read('preprocessed_netflix_01.nprint'));
    const narrow = selectColumns(table, NETDIFFUSION_IMAGE_COLUMNS);
    expect(countPixelDifferences(rowsToImage(narrow).rgba, rowsToImage(table).rgba)).toBe(0);
  });
});
