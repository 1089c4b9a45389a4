import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nsToSeconds, type Flow, type LabelledSample } from '@netsynth/core';
import { assembleFlows, dissect, readCaptureAll, writePcap } from '@netsynth/pcap';
import { HAVE_TSHARK, haveShared, sharedPath } from '@netsynth/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { extractSeries, GasfEncoder } from '../src/index.js';
import { maxRelativeError } from './helpers.js';

const HAVE_LAB = haveShared('@netsynth/encoder-gasf capture tests', 'lab');
if (HAVE_LAB && !HAVE_TSHARK) console.warn('skipping @netsynth/encoder-gasf tshark cross-checks: tshark not on PATH');

const CAPTURES = ['dns', 'icmp', 'web', 'tls', 'udpstream', 'download', 'bulk'] as const;
const flowCache = new Map<string, Flow[]>();
async function flowsOf(name: string): Promise<Flow[]> {
  const cached = flowCache.get(name);
  if (cached) return cached;
  const { packets } = await readCaptureAll(sharedPath('lab', `${name}.pcap`));
  const flows = assembleFlows(packets, { idleTimeoutSeconds: 60, source: name });
  flowCache.set(name, flows);
  return flows;
}

/** The IP length as the dissector reads it: an independent path from the encoder's. */
function dissectedLength(flow: Flow, i: number): number {
  const ip = dissect(flow.packets[i]!).ip;
  if (!ip) return -1;
  return ip.kind === 'ipv4' ? ip.totalLength : 40 + ip.payloadLength;
}

function samplesOf(flows: Flow[], label: string): LabelledSample[] {
  return flows.map((flow, i) => ({ id: `${label}#${i}@0`, label, flow, windowStart: 0 }));
}

describe.skipIf(!HAVE_LAB)('series of real flows (../shared/data/lab)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gasf-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  for (const name of CAPTURES) {
    it(`${name}.pcap: sizes, signs, gaps and bins agree with the capture`, async () => {
      const flows = await flowsOf(name);
      expect(flows.length).toBeGreaterThan(0);
      const length = 300;
      const binSeconds = 0.25;
      for (const flow of flows.slice(0, 60)) {
        const n = Math.min(flow.packets.length, length);
        const size = extractSeries(flow, 'size', { length, binSeconds, binDirection: 'both' });
        const signed = extractSeries(flow, 'signedSize', { length, binSeconds, binDirection: 'both' });
        const direction = extractSeries(flow, 'direction', { length, binSeconds, binDirection: 'both' });
        const iat = extractSeries(flow, 'iat', { length, binSeconds, binDirection: 'both' });
        const bins = extractSeries(flow, 'bytesPerBin', { length, binSeconds, binDirection: 'both' });
        for (let i = 0; i < length; i++) {
          if (i < n) {
            expect(size[i]).toBe(dissectedLength(flow, i));
            expect(signed[i]).toBe(flow.directions[i] === 0 ? size[i] : -size[i]!);
            expect(direction[i]).toBe(flow.directions[i] === 0 ? 1 : -1);
          } else {
            expect([size[i], signed[i], direction[i], iat[i]]).toEqual([0, 0, 0, 0]);
          }
        }
        // The first packet is the initiator's: client→server.
        expect(direction[0]).toBe(1);
        const span = nsToSeconds(flow.packets[n - 1]!.timestampNs - flow.packets[0]!.timestampNs);
        expect(Math.abs(iat.reduce((s, v) => s + v, 0) - span)).toBeLessThan(1e-6);
        let inWindow = 0;
        flow.packets.forEach((p, i) => {
          if (p.timestampNs - flow.packets[0]!.timestampNs < BigInt(length * binSeconds * 1e9)) inWindow += dissectedLength(flow, i);
        });
        expect(bins.reduce((s, v) => s + v, 0)).toBe(inWindow);
      }
    });
  }

  it('udpstream.pcap: the iperf3 stream is 1228-byte IP packets (1200-byte datagrams), one way', async () => {
    const flows = (await flowsOf('udpstream')).filter((f) => f.key.protocol === 17);
    const stream = flows.reduce((a, b) => (b.packets.length > a.packets.length ? b : a));
    const size = extractSeries(stream, 'signedSize', { length: 300, binSeconds: 0.25, binDirection: 'both' });
    const full = [...size].filter((v) => Math.abs(v) === 1228).length;
    expect(full).toBeGreaterThan(290);
    // 2 Mbit/s of 1228-byte packets ≈ 50 packets, ≈ 61 kB per 0.25 s bin.
    const bins = extractSeries(stream, 'bytesPerBin', { length: 8, binSeconds: 0.25, binDirection: 'both' });
    for (const b of bins.slice(1, 7)) expect(Math.abs(b - 62_500)).toBeLessThan(8_000);
  });

  it.skipIf(!HAVE_TSHARK)('total of the size series over all flows = Σ ip.len as tshark reads it', async () => {
    for (const name of ['dns', 'icmp', 'web', 'udpstream'] as const) {
      const flows = await flowsOf(name);
      const length = Math.max(...flows.map((f) => f.packets.length));
      let ours = 0;
      for (const f of flows) ours += extractSeries(f, 'size', { length, binSeconds: 0.25, binDirection: 'both' }).reduce((s, v) => s + v, 0);
      const out = execFileSync('tshark', ['-r', sharedPath('lab', `${name}.pcap`), '-T', 'fields', '-e', 'ip.len', '-e', 'ipv6.plen'], { encoding: 'utf8' });
      let theirs = 0;
      for (const line of out.split('\n')) {
        const [v4, v6] = line.split('\t');
        if (v4) theirs += Number(v4.split(',')[0]);
        else if (v6) theirs += 40 + Number(v6.split(',')[0]);
      }
      expect(ours).toBe(theirs);
    }
  });

  it('real flows: encode → decode (un-resized) gives the series back to 1e-4 in real units', async () => {
    const samples = [...samplesOf((await flowsOf('web')).slice(0, 20), 'web'), ...samplesOf((await flowsOf('dns')).slice(0, 20), 'dns')];
    const encoder = GasfEncoder.create({ features: ['size', 'signedSize', 'iat'], length: 128, resolution: null });
    encoder.fit(samples);
    for (const s of samples) {
      const r = encoder.encodeDetailed(s);
      const back = encoder.decodeSeries(r.tensor);
      for (const f of ['size', 'signedSize', 'iat'] as const) {
        const scale = (encoder.info().metadata['normalisation'] as Record<string, { scale: number }>)[f]!.scale;
        expect(maxRelativeError(back[f]!, r.series[f]!, scale / 100)).toBeLessThan(1e-4);
      }
    }
  });

  it.skipIf(!HAVE_TSHARK)('decoded packets of resized real flows make a pcap tshark reads without errors', async () => {
    const samples = samplesOf((await flowsOf('tls')).slice(0, 10), 'tls');
    const encoder = GasfEncoder.create({ features: ['signedSize', 'iat'], length: 300, resolution: 32, iatScale: 'log' }, { seed: 3 });
    encoder.fit(samples);
    const packets = samples.flatMap((s, i) => {
      const d = encoder.decode(encoder.encode(s), s.label);
      expect(d.series['signedSize']).toHaveLength(32);
      // Packets: as many as the flow had (up to 300), give or take a cell at the flow's end.
      expect(Math.abs(d.packets.length - Math.min(300, s.flow.packets.length))).toBeLessThanOrEqual(Math.ceil(300 / 32));
      // Later flows start later so the capture stays in time order.
      return d.packets.map((p) => ({ ...p, timestampNs: p.timestampNs + BigInt(i) * 1_000_000_000_000n }));
    });
    const file = join(tmp, 'tls-gasf.pcap');
    await writePcap(file, packets, { linkType: 101 });
    const problems = execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-o',
        'tcp.check_checksum:TRUE',
        '-o',
        'ip.check_checksum:TRUE',
        '-Y',
        '_ws.malformed || _ws.expert.severity >= error',
        '-T',
        'fields',
        '-e',
        'frame.number',
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(problems.trim()).toBe('');
    const count = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.len'], { encoding: 'utf8' }).trim().split('\n').length;
    expect(count).toBe(packets.length);
  });
});
