/**
 * Control images from REAL nPrint tensors: packets of the bundled demo captures (web: TCP,
 * dns: UDP, icmp) encoded by @netsynth/encoder-nprint, checked against the encoder's own
 * NetDiffusion picture (`render`), and Canny on that picture at full size.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NprintEncoder, nprintOptionsSchema } from '@netsynth/encoder-nprint';
import { readCaptureAll } from '@netsynth/pcap';
import { cannyEdges, controlMap, presenceMask, tensorPicture } from '../src/index.js';

const DEMO = fileURLToPath(new URL('../../../examples/data/demo/', import.meta.url));

async function encoded(file: string, rows: number) {
  const enc = new NprintEncoder(nprintOptionsSchema.parse({ maxPackets: rows }));
  const { packets } = await readCaptureAll(join(DEMO, file));
  const tensor = enc.encodePackets(packets.slice(0, rows - 8)).tensor; // leave padding rows at the bottom
  return { enc, tensor, info: enc.info() };
}

describe('control images of real nPrint samples', () => {
  for (const [file, proto] of [
    ['web.pcap', 'tcp'],
    ['dns.pcap', 'udp'],
    ['icmp.pcap', 'icmp'],
  ] as const) {
    it(`${file}: the picture is the encoder's NetDiffusion picture and the structure map is its non-blue pixels`, async () => {
      const { enc, tensor, info } = await encoded(file, 40);
      const picture = tensorPicture(tensor, info);
      const mask = presenceMask(tensor, info);
      const rendered = enc.render(tensor);
      expect(rendered.width).toBe(tensor.width); // addresses are already dropped in the tensor
      const plane = tensor.width * tensor.height;
      let pictureMismatches = 0;
      let maskMismatches = 0;
      for (let i = 0; i < plane; i++) {
        const [r, g, b] = [rendered.rgba[4 * i] as number, rendered.rgba[4 * i + 1] as number, rendered.rgba[4 * i + 2] as number];
        if (picture[i] !== r / 255 || picture[plane + i] !== g / 255 || picture[2 * plane + i] !== b / 255) pictureMismatches++;
        if (mask[i] !== (b === 255 ? 0 : 1)) maskMismatches++;
      }
      expect({ pictureMismatches, maskMismatches }).toEqual({ pictureMismatches: 0, maskMismatches: 0 });
      // The protocol's header columns are present in the packet rows, the padding rows are absent.
      const cols = info.metadata['columns'] as string[];
      const firstOfProto = cols.findIndex((c) => c.startsWith(`${proto}_`));
      expect(mask[firstOfProto]).toBe(1);
      expect(mask.slice((tensor.height - 1) * tensor.width).every((v) => v === 0)).toBe(true);
    });
  }

  it('Canny on the full-size picture marks only pixels next to a colour change, and finds them', async () => {
    const { tensor, info } = await encoded('web.pcap', 64);
    const picture = tensorPicture(tensor, info);
    const w = tensor.width;
    const h = tensor.height;
    const t0 = performance.now();
    const edges = cannyEdges(picture, w, h, { low: 100, high: 200 });
    const ms = performance.now() - t0;
    const colour = (y: number, x: number): string => [0, 1, 2].map((c) => picture[c * w * h + y * w + x]).join();
    let count = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        if (!edges[y * w + x]) continue;
        count++;
        let changes = false;
        for (let dy = -1; dy <= 1 && !changes; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = Math.min(h - 1, Math.max(0, y + dy));
            const xx = Math.min(w - 1, Math.max(0, x + dx));
            if (colour(yy, xx) !== colour(y, x)) changes = true;
          }
        expect(changes).toBe(true);
      }
    console.log(`Canny on a real ${w}×${h} nPrint picture: ${count} edge pixels (${((100 * count) / (w * h)).toFixed(1)} %), ${ms.toFixed(0)} ms`);
    expect(count).toBeGreaterThan(w);
    // At a pipeline size the edge control image is binary and not empty.
    const small = controlMap(tensor, info, { kind: 'edges', width: 128, height: 64, canny: { low: 100, high: 200 } });
    const lit = small.data.reduce((a, v) => a + v, 0);
    expect(lit).toBeGreaterThan(0);
    expect(small.data.every((v) => v === 0 || v === 1)).toBe(true);
  });
});
