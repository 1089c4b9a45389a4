import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsharkCounts } from '@netsynth/evaluator-validity';
import { dissect, writePcap } from '@netsynth/pcap';
import { HAVE_TSHARK, haveShared } from '@netsynth/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { createPacketFieldsEncoder, parseDns, sampleRows, type PacketRow } from '../src/index.js';
import { capturesOf, samplesOf } from './helpers.js';

const HAVE_DATA = haveShared('@netsynth/encoder-packetfields round trips', 'lab') && haveShared('@netsynth/encoder-packetfields round trips', 'apps');
const EXACT: (keyof PacketRow)[] = [
  'direction',
  'ipLength',
  'payloadLength',
  'ttl',
  'tos',
  'dontFragment',
  'ipIdStep',
  'flags',
  'window',
  'tcpHeaderLength',
  'icmpType',
];

describe.skipIf(!HAVE_DATA)('round trip of real flows (../shared/data/lab and apps)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'packetfields-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each(['series', 'matrix'] as const)('%s layout: every field comes back within its quantisation, flows keep protocol and ports', async (layout) => {
    const samples = await samplesOf([...capturesOf('lab'), ...capturesOf('apps')], 40);
    const enc = createPacketFieldsEncoder({ maxPackets: 32, layout });
    enc.fit(samples);
    let rows = 0;
    for (const s of samples) {
      const original = sampleRows(s, 32);
      const d = enc.decode(enc.encode(s), s.label);
      expect(d.rows).toHaveLength(original.rows.length);
      original.rows.forEach((r, i) => {
        const g = d.rows[i]!;
        for (const k of EXACT) expect(g[k], `${s.id} packet ${i} ${k}`).toBe(r[k]);
        expect(g.options).toEqual(r.options);
        // IAT: log-scaled float32, rounded to ns: within 1e-5 relative or 1 ns.
        expect(Math.abs(g.iat - r.iat)).toBeLessThanOrEqual(Math.max(1e-9, 1e-5 * r.iat));
        rows++;
      });
      expect([d.flow.protocol, d.flow.clientPort, d.flow.servicePort]).toEqual([original.flow.protocol, original.flow.clientPort, original.flow.servicePort]);
      // The built packets (IPv4) carry the generated payload sizes (DNS messages carry learned content instead).
      if (!enc.profile(s.label)?.protocols[String(d.flow.protocol)]?.dns) {
        const built = sampleRows({ ...s, flow: { ...s.flow, packets: d.packets, directions: d.directions } }, 32);
        expect(
          built.rows.map((r) => r.payloadLength),
          s.id,
        ).toEqual(original.rows.map((r) => r.payloadLength));
      }
    }
    expect(rows).toBeGreaterThan(2000);
  });

  it.skipIf(!HAVE_TSHARK)('decoded real flows: 0 malformed, 0 expert errors or warnings, 0 bad checksums in tshark; DNS classes carry DNS', async () => {
    const samples = await samplesOf([...capturesOf('lab'), ...capturesOf('apps')], 30);
    const enc = createPacketFieldsEncoder({ maxPackets: 32 });
    enc.fit(samples);
    const decoded = samples.map((s) => enc.decode(enc.encode(s), s.label));
    for (const d of decoded) {
      if (!enc.profile(d.label)?.protocols['17']?.dns || d.flow.protocol !== 17) continue;
      for (const p of d.packets) {
        const udp = dissect(p).transport;
        expect(udp?.kind).toBe('udp');
        expect(parseDns(p.data.subarray(udp!.offset + 8))).toBeDefined();
      }
    }
    const packets = decoded.flatMap((d) => d.packets).sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0));
    const file = join(tmp, 'decoded.pcap');
    await writePcap(file, packets, { linkType: 101 });
    const counts = await tsharkCounts(file);
    expect(counts.packets).toBe(packets.length);
    expect({
      malformed: counts.malformed,
      expertErrors: counts.expertErrors,
      expertWarnings: counts.expertWarnings,
      badChecksums: counts.badChecksums,
    }).toEqual({
      malformed: 0,
      expertErrors: 0,
      expertWarnings: 0,
      badChecksums: 0,
    });
  });
});
