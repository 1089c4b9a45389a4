import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, labCaptures } from '@netsynth/test-support';
import { ConfigError, parseRunConfig, type Packet, type RunConfig } from '@netsynth/core';
import { FlowAssembler, assembleFlows, dissect, labelForCapture, loadSamples, readCaptureAll, windowFlow, expandCaptures } from '../src/index.js';
import { ethernet, fragmentExt, icmp, ipv4, ipv6, pcapFile, tcp, tempDir, udp } from './builders.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const S = 1_000_000_000n;
const clock = 1_000n * S;
function at(seconds: number, data: Uint8Array, linkType = 101): Packet {
  return { timestampNs: clock + BigInt(Math.round(seconds * 1e9)), capturedLength: data.length, originalLength: data.length, linkType, data };
}
const tcp4 = (src: string, dst: string, sp: number, dp: number): Uint8Array => ipv4({ src, dst, protocol: 6, payload: tcp({ srcPort: sp, dstPort: dp }) });

describe('assembleFlows', () => {
  it('groups both directions of a 5-tuple, initiator first', () => {
    const flows = assembleFlows(
      [
        at(0, tcp4('10.0.0.2', '10.0.0.1', 40000, 80)),
        at(0.1, tcp4('10.0.0.9', '10.0.0.1', 40001, 80)),
        at(0.2, tcp4('10.0.0.1', '10.0.0.2', 80, 40000)),
        at(0.3, tcp4('10.0.0.2', '10.0.0.1', 40000, 80)),
        at(0.4, ipv4({ src: '10.0.0.2', dst: '10.0.0.1', protocol: 17, payload: udp(40000, 80) })),
      ],
      { idleTimeoutSeconds: 60, source: 'x.pcap' },
    );
    expect(flows).toHaveLength(3);
    const [a, b, c] = flows;
    expect(a?.key).toEqual({ protocol: 6, a: { address: '10.0.0.2', port: 40000 }, b: { address: '10.0.0.1', port: 80 } });
    expect(a?.directions).toEqual([0, 1, 0]);
    expect(a?.source).toBe('x.pcap');
    expect(b?.packets).toHaveLength(1);
    expect(c?.key.protocol).toBe(17);
    expect(a?.id).not.toBe(c?.id);
  });

  it('splits a 5-tuple after the idle timeout', () => {
    const p = (t: number): Packet => at(t, tcp4('10.0.0.2', '10.0.0.1', 40000, 80));
    const flows = assembleFlows([p(0), p(5), p(20), p(21)], { idleTimeoutSeconds: 10 });
    expect(flows.map((f) => f.packets.length)).toEqual([2, 2]);
    expect(flows[0]?.id).toBe(flows[1]?.id);
  });

  it('ICMP echo is keyed by identifier; other ICMP by addresses', () => {
    const echo = (src: string, dst: string, type: number, id: number): Uint8Array => ipv4({ src, dst, protocol: 1, payload: icmp(type, 0, (id << 16) | 1) });
    const flows = assembleFlows(
      [
        at(0, echo('10.0.0.2', '10.0.0.1', 8, 7)),
        at(0.1, echo('10.0.0.1', '10.0.0.2', 0, 7)),
        at(0.2, echo('10.0.0.2', '10.0.0.1', 8, 8)),
        at(0.3, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, payload: icmp(3, 3, 0) })),
        at(0.4, ipv6({ protocol: 58, payload: icmp(128, 0, 0x00090001) })),
        at(0.5, ipv6({ src: '2001:db8::2', dst: '2001:db8::1', protocol: 58, payload: icmp(129, 0, 0x00090001) })),
      ],
      { idleTimeoutSeconds: 60 },
    );
    expect(flows.map((f) => [f.key.protocol, f.key.a.port, f.packets.length])).toEqual([
      [1, 7, 2],
      [1, 8, 1],
      [1, 0, 1],
      [58, 9, 2],
    ]);
    expect(flows[0]?.directions).toEqual([0, 1]);
  });

  it('fragments join the flow of their first fragment; orphans get port 0', () => {
    const full = udp(5000, 53, new Uint8Array(40));
    const first = ipv4({ protocol: 17, id: 77, payload: full.slice(0, 24), moreFragments: true, transportChecksum: false });
    const second = ipv4({ protocol: 17, id: 77, payload: full.slice(24), fragmentOffset: 24, transportChecksum: false });
    const orphan = ipv4({ protocol: 17, id: 78, payload: full.slice(24), fragmentOffset: 24, transportChecksum: false });
    const six = (off: number, more: boolean, payload: Uint8Array): Uint8Array =>
      ipv6({ protocol: 17, payload, extensions: [{ type: 44, body: fragmentExt(off, more, 0x55) }], transportChecksum: false });
    const assembler = new FlowAssembler({ idleTimeoutSeconds: 60 });
    const flows = [first, second, orphan, six(0, true, full.slice(0, 16)), six(16, false, full.slice(16))].flatMap((d, i) => assembler.add(at(i, d)));
    flows.push(...assembler.flush());
    expect(flows.map((f) => [f.key.a.address, f.key.a.port, f.packets.length])).toEqual([
      ['10.0.0.1', 5000, 2],
      ['10.0.0.1', 0, 1],
      ['2001:db8::1', 5000, 2],
    ]);
    expect(assembler.stats.orphanFragments).toBe(1);
  });

  it('leaves non-IP packets out and counts them', () => {
    const assembler = new FlowAssembler({ idleTimeoutSeconds: 60 });
    assembler.add(at(0, ethernet(0x0806, new Uint8Array(28)), 1));
    assembler.add(at(0, new Uint8Array(30), 127));
    assembler.add(at(0, ethernet(0x0800, tcp4('1.1.1.1', '2.2.2.2', 1, 2)), 1));
    expect(assembler.flush()).toHaveLength(1);
    expect(assembler.stats).toEqual({ packets: 3, nonIp: 2, orphanFragments: 0, flows: 1, truncated: { packets: 0, headers: 0 } });
  });

  it('the streaming assembler hands out flows as they time out', () => {
    const assembler = new FlowAssembler({ idleTimeoutSeconds: 1 });
    const out: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const ended = assembler.add(at(i * 0.01, tcp4('10.0.0.2', '10.0.0.1', 30000 + Math.floor(i / 100), 80)));
      out.push(...ended.map((f) => f.packets.length));
    }
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((n) => n === 100)).toBe(true);
    const rest = assembler.flush();
    expect(out.length + rest.length).toBe(30);
  });

  it('windowFlow splits into consecutive windows', () => {
    const p = (t: number, fwd: boolean): Packet => at(t, fwd ? tcp4('10.0.0.2', '10.0.0.1', 1, 2) : tcp4('10.0.0.1', '10.0.0.2', 2, 1));
    const [flow] = assembleFlows(
      Array.from({ length: 7 }, (_, i) => p(i, i % 3 === 0)),
      { idleTimeoutSeconds: 60 },
    );
    if (!flow) throw new Error('no flow');
    const windows = windowFlow(flow, 3);
    expect(windows.map((w) => w.packets.length)).toEqual([3, 3, 1]);
    expect(windows.map((w) => w.directions)).toEqual([[0, 1, 1], [0, 1, 1], [0]]);
    expect(windows[1]?.packets[0]).toBe(flow.packets[3]);
    expect(windowFlow(flow, 10)).toEqual([flow]);
    expect(() => windowFlow(flow, 0)).toThrow(/positive integer/);
  });
});

describe('labelForCapture', () => {
  it('from file name, directory, or mapping (names and globs, first match wins)', () => {
    expect(labelForCapture('/data/lab/web.pcap', { from: 'filename' })).toBe('web');
    expect(labelForCapture('/data/lab/web.pcap', { from: 'directory' })).toBe('lab');
    const mapping = { 'lab/web.pcap': 'browsing', 'dns.pcap': 'dns', '*.pcapng': 'misc', tls: 'crypto', 'lab/**': 'lab' };
    expect(labelForCapture('/data/lab/web.pcap', { from: 'mapping', mapping })).toBe('browsing');
    expect(labelForCapture('/data/packets/dns.pcap', { from: 'mapping', mapping })).toBe('dns');
    expect(labelForCapture('/data/packets/x.pcapng', { from: 'mapping', mapping })).toBe('misc');
    expect(labelForCapture('/data/lab/tls.pcap', { from: 'mapping', mapping })).toBe('crypto');
    expect(labelForCapture('/data/lab/bulk.pcap', { from: 'mapping', mapping })).toBe('lab');
    expect(() => labelForCapture('/data/other/a.cap', { from: 'mapping', mapping })).toThrow(ConfigError);
    try {
      labelForCapture('/data/other/a.cap', { from: 'mapping', mapping });
    } catch (e) {
      expect((e as ConfigError).configPath).toBe('input.labels.mapping');
    }
  });
});

describe('loadSamples', () => {
  const root = join(tmp.dir, 'samples');
  const flowPackets = (client: string, port: number, n: number, t0: number): { sec: number; frac: number; data: Uint8Array }[] =>
    Array.from({ length: n }, (_, i) => ({
      sec: t0 + i,
      frac: 0,
      data: ethernet(0x0800, i % 2 ? tcp4('10.0.0.1', client, 80, port) : tcp4(client, '10.0.0.1', port, 80)),
    }));
  mkdirSync(join(root, 'web'), { recursive: true });
  mkdirSync(join(root, 'dns'), { recursive: true });
  tmp.file('samples/web/a.pcap', pcapFile({ linkType: 1, records: [...flowPackets('10.0.0.2', 1000, 10, 0), ...flowPackets('10.0.0.3', 1001, 2, 100)] }));
  tmp.file('samples/web/b.pcap', pcapFile({ linkType: 1, records: flowPackets('10.0.0.4', 1002, 5, 0) }));
  tmp.file('samples/dns/c.pcap', pcapFile({ linkType: 1, records: [...flowPackets('10.0.0.5', 1003, 4, 0), ...flowPackets('10.0.0.6', 1004, 4, 50)] }));

  const config = (input: Record<string, unknown>): RunConfig['input'] => parseRunConfig({ input }).input;

  it('expands directories and globs, labels, windows and filters', async () => {
    const samples = await loadSamples(
      config({ captures: ['web', 'dns/*.pcap'], labels: { from: 'directory' }, flows: { windowPackets: 4, minPackets: 3 } }),
      root,
      { seed: 1 },
    );
    expect(samples.map((s) => [s.label, s.id, s.flow.packets.length, s.windowStart])).toEqual([
      ['dns', 'dns/c.pcap#0@0', 4, 0],
      ['dns', 'dns/c.pcap#1@0', 4, 0],
      ['web', 'web/a.pcap#0@0', 4, 0],
      ['web', 'web/a.pcap#0@4', 4, 4],
      // a.pcap window @8 has 2 packets (< minPackets) and flow #1 has 2 packets: dropped.
      ['web', 'web/b.pcap#0@0', 4, 0],
    ]);
    expect(samples[0]?.flow.source).toBe('dns/c.pcap');
  });

  it('keeps at most maxSamplesPerLabel, chosen by seed, deterministically', async () => {
    const input = config({ captures: ['.'], labels: { from: 'directory' }, flows: { windowPackets: 2, maxSamplesPerLabel: 3 } });
    const a = await loadSamples(input, root, { seed: 42 });
    const b = await loadSamples(input, root, { seed: 42 });
    expect(a.map((s) => s.id)).toEqual(b.map((s) => s.id));
    expect(a.filter((s) => s.label === 'web')).toHaveLength(3);
    expect(a.filter((s) => s.label === 'dns')).toHaveLength(3);
    const ids = new Set<string>();
    for (let seed = 0; seed < 8; seed++) ids.add((await loadSamples(input, root, { seed })).map((s) => s.id).join());
    expect(ids.size).toBeGreaterThan(1);
  });

  it('maxSamplesPerLabel as a map limits only the labels it names', async () => {
    const all = await loadSamples(config({ captures: ['.'], labels: { from: 'directory' }, flows: { windowPackets: 2 } }), root, { seed: 3 });
    const input = config({ captures: ['.'], labels: { from: 'directory' }, flows: { windowPackets: 2, maxSamplesPerLabel: { dns: 1 } } });
    const some = await loadSamples(input, root, { seed: 3 });
    expect(all.filter((s) => s.label === 'dns').length).toBeGreaterThan(1);
    expect(some.filter((s) => s.label === 'dns')).toHaveLength(1);
    expect(some.filter((s) => s.label === 'web').map((s) => s.id)).toEqual(all.filter((s) => s.label === 'web').map((s) => s.id));
  });

  it('a capture entry matching nothing is a ConfigError at its config path', async () => {
    await expect(loadSamples(config({ captures: ['web', 'nope/*.pcap'] }), root, { seed: 0 })).rejects.toMatchObject({
      code: 'CONFIG',
      configPath: 'input.captures.1',
    });
    expect(await expandCaptures(['web/a.pcap', 'web/*.pcap', 'web'], root)).toEqual([join(root, 'web/a.pcap'), join(root, 'web/b.pcap')]);
  });
});

const HAVE_SHARED = haveShared('flow tests on real captures', 'lab');

describe.skipIf(!HAVE_SHARED)('flows of the lab captures', () => {
  it.each(labCaptures().filter((f) => /web|tls|dns|icmp/.test(f)))('%s: one TCP flow per SYN, every packet in exactly one flow', async (file) => {
    const { packets } = await readCaptureAll(file);
    const flows = assembleFlows(packets, { idleTimeoutSeconds: 60 });
    const syns = packets.filter((p) => {
      const t = dissect(p).transport;
      return t?.kind === 'tcp' && t.flags.syn && !t.flags.ack;
    }).length;
    expect(flows.filter((f) => f.key.protocol === 6)).toHaveLength(syns);
    expect(flows.reduce((n, f) => n + f.packets.length, 0)).toBe(packets.length);
    for (const f of flows) {
      f.packets.forEach((p, i) => {
        const ip = dissect(p).ip;
        expect(ip?.src).toBe(f.directions[i] === 0 ? f.key.a.address : f.key.b.address);
      });
    }
  });
});
