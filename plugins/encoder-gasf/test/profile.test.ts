import { assembleFlows, dissect, readCaptureAll } from '@netsynth/pcap';
import { parseDns, portProblem } from '@netsynth/protocol-rules';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { readdirSync } from 'node:fs';
import type { LabelledSample } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { GasfEncoder } from '../src/index.js';

const HAVE_LAB = haveShared('@netsynth/encoder-gasf profile tests', 'lab');

/** Up to `perLabel` flows of every lab capture, labelled by file name. */
async function labSamples(perLabel: number): Promise<LabelledSample[]> {
  const out: LabelledSample[] = [];
  for (const file of readdirSync(sharedPath('lab')).sort()) {
    const label = file.replace(/\.[^.]+$/, '');
    const { packets } = await readCaptureAll(sharedPath('lab', file));
    const flows = assembleFlows(packets, { idleTimeoutSeconds: 60, source: file }).filter((f) => f.packets.length >= 2);
    flows.slice(0, perLabel).forEach((flow, i) => out.push({ id: `${label}#${i}@0`, label, flow, windowStart: 0 }));
  }
  return out;
}

/** Protocol and lower port of a flow's first packet (the service as the fidelity figures read it). */
function serviceOf(data: { packets: readonly { data: Uint8Array; linkType: number }[] }): string {
  const d = dissect(data.packets[0] as never);
  const t = d.transport;
  const proto = d.ip?.kind === 'ipv4' ? d.ip.protocol : -1;
  if (t?.kind === 'tcp' || t?.kind === 'udp') return `${proto}/${Math.min(t.srcPort, t.dstPort) < 1024 ? Math.min(t.srcPort, t.dstPort) : 'ephemeral'}`;
  return `${proto}/${t && 'type' in t ? 'icmp' : 'none'}`;
}

describe.skipIf(!HAVE_LAB)('GASF decode shaped by per-class profiles learned in fit (../shared/data/lab)', () => {
  it('every class decodes to the protocols and services its real flows used; a class whose payloads are DNS sends DNS messages', async () => {
    const samples = await labSamples(12);
    const encoder = GasfEncoder.create({ features: ['signedSize', 'iat'], length: 64, resolution: null, iatScale: 'log' }, { seed: 5 });
    encoder.fit(samples);
    const labels = [...new Set(samples.map((s) => s.label))];
    let dnsClasses = 0;
    for (const label of labels) {
      const mine = samples.filter((s) => s.label === label);
      const realServices = new Set(mine.map((s) => serviceOf(s.flow)));
      const dns = Object.values(encoder.profile(label)?.protocols ?? {}).some((p) => p.dns);
      if (dns) dnsClasses++;
      for (const s of mine) {
        // Decoded under its own label from its own (un-resized) encoding: headers from that label's profile.
        const d = encoder.decode(encoder.encode(s), label);
        expect(d.packets.length, s.id).toBeGreaterThan(0);
        expect(realServices.has(serviceOf(d)), `${s.id}: ${serviceOf(d)} not in ${[...realServices].join(' ')}`).toBe(true);
        for (const p of d.packets) {
          const t = dissect(p).transport;
          if (t?.kind === 'tcp' || t?.kind === 'udp') expect(portProblem(t.kind, t.srcPort, t.dstPort), s.id).toBeUndefined();
          if (dns && t?.kind === 'udp') expect(parseDns(p.data.subarray(t.offset + 8)), s.id).toBeDefined();
        }
      }
    }
    // Exactly the lab classes whose UDP payloads parse as DNS (one), found from content.
    expect(dnsClasses).toBe(1);
  });

  it('the profiles travel in the state: a fresh encoder decodes the same bytes', async () => {
    const samples = await labSamples(4);
    const options = { features: ['signedSize', 'iat'] as ('signedSize' | 'iat')[], length: 64, resolution: 16, iatScale: 'log' as const };
    const a = GasfEncoder.create(options, { seed: 2 });
    a.fit(samples);
    const b = GasfEncoder.create(options, { seed: 2 });
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    for (const s of samples) {
      const t = a.encode(s);
      expect(b.decode(t, s.label).packets.map((p) => [...p.data])).toEqual(a.decode(t, s.label).packets.map((p) => [...p.data]));
    }
  });
});
