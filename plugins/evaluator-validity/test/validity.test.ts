import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Constraint, LabelledSample, Metric, Packet } from '@netsynth/core';
import { createRng, isPluginDefinition, silentProgress } from '@netsynth/core';
import type { CraftedPacketSpec } from '@netsynth/evalkit';
import { asTableData, craftPacket, craftSample, packetFields } from '@netsynth/evalkit';
import { writePcap } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import plugin, {
  createValidityEvaluator,
  findTshark,
  minimumSizeOk,
  portsConsistent,
  rulesetSpecifier,
  tsharkCounts,
  validDestinationAddress,
  validSourceAddress,
} from '../src/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ctx = { seed: 3, rng: createRng(3), progress: silentProgress, workDir: tmpdir(), baseDir: HERE };
const byName = (metrics: Metric[]): Map<string, Metric> => new Map(metrics.map((m) => [m.name, m]));

function flow(id: string, specs: Partial<CraftedPacketSpec>[]): LabelledSample {
  return craftSample(
    id,
    'x',
    specs.map(
      (s, i) => ({ timeSeconds: i, src: '10.0.0.1', dst: '10.0.0.2', protocol: 'tcp', length: 60, srcPort: 40000, dstPort: 443, ...s }) as CraftedPacketSpec,
    ),
  );
}

describe('NetShare validity tests', () => {
  it('classifies source and destination addresses', () => {
    expect(validSourceAddress('10.0.0.1', 4)).toBe(true);
    expect(validSourceAddress('0.1.2.3', 4)).toBe(false);
    expect(validSourceAddress('224.0.0.251', 4)).toBe(false);
    expect(validSourceAddress('255.255.255.255', 4)).toBe(false);
    expect(validSourceAddress('ff02::1', 6)).toBe(false);
    expect(validSourceAddress('fe80::1', 6)).toBe(true);
    expect(validDestinationAddress('224.0.0.251', 4)).toBe(true);
    expect(validDestinationAddress('255.255.255.255', 4)).toBe(true);
    expect(validDestinationAddress('0.0.0.0', 4)).toBe(false);
    expect(validDestinationAddress('::', 6)).toBe(false);
  });

  it('checks ports against the protocol and the minimum sizes', () => {
    const f = (s: Partial<CraftedPacketSpec>) =>
      packetFields(craftPacket({ timeSeconds: 0, src: '10.0.0.1', dst: '10.0.0.2', protocol: 'tcp', length: 60, srcPort: 40000, dstPort: 443, ...s }));
    expect(portsConsistent(f({}))).toBe(true);
    expect(portsConsistent(f({ protocol: 'udp', dstPort: 53 }))).toBe(true);
    expect(portsConsistent(f({ protocol: 'udp', dstPort: 443 }))).toBe(true);
    expect(portsConsistent(f({ protocol: 'udp', dstPort: 22 }))).toBe(false);
    expect(portsConsistent(f({ protocol: 'tcp', dstPort: 123 }))).toBe(false);
    expect(portsConsistent(f({ dstPort: 0 }))).toBe(false);
    expect(portsConsistent(f({ protocol: 'icmp' }))).toBe(true);
    expect(minimumSizeOk(f({ length: 40 }))).toBe(true);
    expect(minimumSizeOk(f({ protocol: 'udp', length: 28 }))).toBe(true);
    // A TCP header claimed inside a 28-byte datagram: rewrite the IP length of a crafted packet.
    const p = craftPacket({ timeSeconds: 0, src: '10.0.0.1', dst: '10.0.0.2', protocol: 'tcp', length: 40 });
    const short: Packet = { ...p, data: p.data.slice(0, 28), capturedLength: 28, originalLength: 28 };
    short.data[3] = 28;
    expect(minimumSizeOk(packetFields(short))).toBe(false);
  });
});

describe('evaluator-validity', () => {
  const real = [flow('r1', [{}, { src: '10.0.0.2', dst: '10.0.0.1', srcPort: 443, dstPort: 40000 }]), flow('r2', [{ protocol: 'udp', dstPort: 53 }])];
  const synthetic = [
    flow('s1', [{}, { src: '0.0.0.7' }, { ttl: 5 }]),
    flow('s2', [{ protocol: 'udp', dstPort: 80 }]),
    flow('s3', [{ ttl: 1 }, { dst: '0.0.0.0' }]),
  ];

  it('is a plugin definition whose options resolve short ruleset names', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.options.parse({})).toMatchObject({ repair: true, netshareTests: true, tshark: 'auto' });
    expect(rulesetSpecifier('tcp')).toBe('@netsynth/ruleset-tcp');
    expect(rulesetSpecifier('@acme/ruleset-x')).toBe('@acme/ruleset-x');
    expect(rulesetSpecifier('./local.mjs')).toBe('./local.mjs');
  });

  it("computes NetShare's four tests on both sides", async () => {
    const res = await createValidityEvaluator({ rulesets: [], tshark: 'off' }).evaluate({ samples: real }, { samples: synthetic }, ctx);
    const m = byName(res.metrics);
    expect(m.get('netshare.src_ip_valid')).toMatchObject({ real: 1, synthetic: 5 / 6, direction: 'higher' });
    expect(m.get('netshare.dst_ip_valid')?.value).toBeCloseTo(5 / 6, 12);
    expect(m.get('netshare.port_protocol_consistent')?.value).toBeCloseTo(5 / 6, 12);
    expect(m.get('netshare.min_packet_size')?.value).toBe(1);
    // s1#1 bad source, s2 bad port, s3#1 bad destination: 3 of 6 fail.
    expect(m.get('netshare.all')?.value).toBeCloseTo(3 / 6, 12);
    expect(asTableData(res.sections![0]!.data)?.id).toBe('validity-netshare');
  });

  it('loads a ruleset plugin by path and reports pass shares before and after repair', async () => {
    const res = await createValidityEvaluator({
      rulesets: [{ plugin: './fixtures/ttl-ruleset.mjs', options: { minTtl: 10 } }],
      netshareTests: false,
      tshark: 'off',
    }).evaluate({ samples: real }, { samples: synthetic }, ctx);
    const m = byName(res.metrics);
    expect(m.get('ruleset.fixture-ttl.packets_pass')).toMatchObject({ real: 1, synthetic: 4 / 6, value: 4 / 6 });
    expect(m.get('ruleset.fixture-ttl.flows_pass')?.value).toBeCloseTo(1 / 3, 12);
    expect(m.get('ruleset.fixture-ttl.packets_pass_after_repair')?.value).toBe(1);
    expect(m.get('ruleset.fixture-ttl.flows_pass_after_repair')?.value).toBe(1);
    const table = asTableData(res.sections![0]!.data)!;
    expect(table.id).toBe('validity-rulesets');
    expect(table.rows[0]?.[7]).toBe('ipv4.ttl (2)');
  });

  it('takes Constraint instances and combines several rulesets as "all"', async () => {
    const noUdp: Constraint = {
      name: 'no-udp',
      scope: 'flow',
      check: (packets) => (packets[0]?.data[9] === 17 ? [{ rule: 'no-udp', field: 'ipv4.protocol', packetIndex: 0, message: 'udp' }] : []),
      repair: (packets) => ({ packets: [...packets], changes: [] }),
    };
    const res = await createValidityEvaluator(
      { rulesets: ['./fixtures/ttl-ruleset.mjs'], netshareTests: false, tshark: 'off' },
      { constraints: [noUdp] },
    ).evaluate({ samples: real }, { samples: synthetic }, ctx);
    const m = byName(res.metrics);
    expect(m.get('ruleset.no-udp.flows_pass')).toMatchObject({ real: 0.5, synthetic: 2 / 3 });
    // s1 has a TTL 5 packet, s2 is UDP, s3 has TTL 1: no synthetic flow passes both.
    expect(m.get('ruleset.all.flows_pass')?.value).toBe(0);
    expect(m.get('ruleset.all.flows_pass_after_repair')?.value).toBeCloseTo(2 / 3, 12);
  });

  it('names the ruleset it cannot load', async () => {
    await expect(createValidityEvaluator({ rulesets: ['no-such-thing-xyz'] }).evaluate({ samples: real }, { samples: synthetic }, ctx)).rejects.toThrow(
      /@netsynth\/ruleset-no-such-thing-xyz/,
    );
  });
});

describe.skipIf(!findTshark())('tshark counts', () => {
  it('counts bad checksums and malformed packets in the synthetic capture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'validity-'));
    const good = craftPacket({ timeSeconds: 1, src: '10.0.0.1', dst: '10.0.0.2', protocol: 'udp', length: 60, srcPort: 40000, dstPort: 9999 });
    const badSum = craftPacket({ timeSeconds: 2, src: '10.0.0.1', dst: '10.0.0.2', protocol: 'tcp', length: 60, srcPort: 40000, dstPort: 80 });
    badSum.data[36] = (badSum.data[36] as number) ^ 0xff; // flip the TCP checksum
    // A DNS query header that promises 5 questions and ends: tshark flags it as malformed.
    const dns = craftPacket({ timeSeconds: 3, src: '10.0.0.1', dst: '10.0.0.2', protocol: 'udp', length: 36, srcPort: 5353, dstPort: 53 });
    dns.data.set([0x12, 0x34, 0x01, 0x00, 0x00, 0x05, 0x00, 0x00], 28);
    dns.data[26] = 0;
    dns.data[27] = 0; // UDP checksum 0: not computed
    const path = join(dir, 'syn.pcap');
    await writePcap(path, [good, badSum, dns], { linkType: 101 });
    const counts = await tsharkCounts(path);
    expect(counts).toMatchObject({ packets: 3, malformed: 1, badChecksums: 1 });
    expect(counts.expertErrors).toBeGreaterThanOrEqual(2);

    const res = await createValidityEvaluator({ rulesets: [], netshareTests: false }).evaluate({ samples: [] }, { samples: [], pcapPath: path }, ctx);
    const m = byName(res.metrics);
    expect(m.get('tshark.malformed')?.value).toBeCloseTo(1 / 3, 12);
    expect(m.get('tshark.bad_checksums')?.value).toBeCloseTo(1 / 3, 12);
    expect(m.get('tshark.packets')?.value).toBe(3);
    expect(existsSync(path)).toBe(true);
  });
});

describe('the capture it declares it reads', () => {
  it('needs a pcap only when tshark is on and found (callers write none otherwise)', () => {
    expect(createValidityEvaluator({ tshark: 'off' }).needsPcap).toBe(false);
    expect(createValidityEvaluator({ tshark: 'auto' }).needsPcap).toBe(findTshark() !== null);
  });
});

describe('the netsynth rulesets by default', () => {
  it('loads the installed @netsynth/ruleset-* packages and passes clean crafted traffic', async () => {
    const warnings: string[] = [];
    const progress = { ...silentProgress, warn: (m: string) => void warnings.push(m) };
    const samples = [flow('a', [{}, { src: '10.0.0.2', dst: '10.0.0.1', srcPort: 443, dstPort: 40000 }]), flow('b', [{ protocol: 'udp', dstPort: 53 }])];
    const res = await createValidityEvaluator({ tshark: 'off', netshareTests: false }).evaluate({ samples }, { samples }, { ...ctx, progress });
    const loaded = res.metrics.filter((m) => m.name.endsWith('.packets_pass')).map((m) => m.name.split('.')[1]);
    // Every default ruleset is either loaded or reported as missing, never silently dropped.
    for (const name of ['ipv4', 'tcp', 'udp', 'icmp', 'flow']) {
      expect(loaded.includes(name) || warnings.some((w) => w.includes(`ruleset-${name}`)), name).toBe(true);
    }
    for (const m of res.metrics.filter((x) => x.name.endsWith('_pass'))) {
      expect(m.value, m.name).toBeGreaterThanOrEqual(0);
      expect(m.value, m.name).toBeLessThanOrEqual(1);
    }
    // Crafted IPv4 headers are well-formed (version, IHL, lengths, checksum): the IPv4 ruleset passes them.
    if (loaded.includes('ipv4')) expect(res.metrics.find((m) => m.name === 'ruleset.ipv4.packets_pass')?.value).toBe(1);
  });
});
