import { readFileSync } from 'node:fs';
import type { Packet } from '@netsynth/core';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { describe, expect, it } from 'vitest';
import {
  NETDIFFUSION_IMAGE_COLUMNS,
  packetsToRows,
  parseNprintCsv,
  RowStats,
  RowStatsLearner,
  rowsToPackets,
  selectColumns,
  type NprintTable,
  type RowsToPacketsResult,
} from '../src/index.js';
import { concat, ipv4Header, rawPacket, tcpHeader, udpHeader } from './packets.js';

const HAVE_SHARED = haveShared('@netsynth/encoder-nprint conversation tests');

/**
 * `rows: repair` with `conversation: 'sample'` (the default): a generated sample's rows become
 * one conversation — one transport, one port pair in both directions, a handshake, IDs that
 * count — instead of each row drawing its own 5-tuple.
 */
const tcp = (sport: number, dport: number, flags: number, id: number): Packet => {
  const t = tcpHeader([], sport, dport, flags);
  return rawPacket(concat(ipv4Header({ protocol: 6, id }, t.length), t));
};
const udp = (sport: number, dport: number): Packet => {
  const u = udpHeader(4, sport, dport);
  return rawPacket(concat(ipv4Header({ protocol: 17 }, u.length + 4), u, new Uint8Array(4)));
};

interface Seen {
  proto: number;
  sport: number;
  dport: number;
  flags: number;
  id: number;
}
const seen = (p: Packet): Seen => {
  const d = p.data;
  const u16 = (o: number): number => (d[o] as number) * 256 + (d[o + 1] as number);
  return { proto: d[9] as number, sport: u16(20), dport: u16(22), flags: d[33] as number, id: u16(4) };
};
const repair = (t: NprintTable, stats: RowStats | null = null, conversation?: 'sample' | 'row'): RowsToPacketsResult =>
  rowsToPackets(t, { rows: 'repair', repair: { stats, seed: 5, ...(conversation && { conversation }) } });
const pairsOf = (res: RowsToPacketsResult): Set<string> =>
  new Set(res.packets.map(seen).map((s) => [Math.min(s.sport, s.dport), Math.max(s.sport, s.dport)].join('-')));

describe('one conversation per sample', () => {
  // A "generated" sample: ports, flags and IDs drawn row by row; one UDP row among TCP ones.
  const noisy = (): NprintTable =>
    packetsToRows([
      tcp(40000, 8080, 0x010, 7),
      tcp(8080, 40000, 0x018, 900),
      tcp(40001, 8080, 0x012, 3000),
      udp(40000, 8080),
      tcp(8080, 40008, 0x011, 12),
      tcp(40000, 8080, 0x002, 60000),
      tcp(39999, 8080, 0x018, 22),
    ]).table;

  it('one transport, the majority port pair both ways, a handshake first, no later SYN, IDs counting per direction', () => {
    const res = repair(noisy());
    const s = res.packets.map(seen);
    expect(s.map((x) => x.proto)).toEqual(new Array(7).fill(6));
    expect(pairsOf(res)).toEqual(new Set(['8080-40000']));
    // SYN, SYN-ACK, ACK; then every segment ACKs and none is a SYN.
    expect(s.slice(0, 3).map((x) => [x.sport, x.flags & 0x12])).toEqual([
      [40000, 0x02],
      [8080, 0x12],
      [40000, 0x10],
    ]);
    for (const x of s.slice(3)) expect(x.flags & 0x12).toBe(0x10);
    // Rows keep the direction their ports are nearest to.
    expect(s.slice(3).map((x) => x.sport)).toEqual([40000, 8080, 40000, 40000]);
    // The client direction's IDs (7, 3000, ...) count up from its first.
    const client = s.filter((x) => x.sport === 40000).map((x) => x.id);
    for (let i = 1; i < client.length; i++) expect(((client[i] as number) - (client[i - 1] as number) + 65536) % 65536).toBeLessThanOrEqual(1024);
    const c = res.repairSummary?.conversation;
    expect(c).toMatchObject({ mode: 'sample', transport: 'tcp', ports: { a: 40000, b: 8080 }, portsFrom: 'rows', handshake: true });
    // Every change is reported with its reason.
    expect(res.repairs?.some((r) => r.changes.some((ch) => ch.field === 'tcp_sprt' && /one conversation per sample/.test(ch.reason)))).toBe(true);
  });

  it("conversation: 'row' keeps each row's own transport and ports (reported as such)", () => {
    const res = repair(noisy(), null, 'row');
    expect(res.packets.map(seen).map((x) => x.proto)).toContain(17);
    expect(pairsOf(res).size).toBeGreaterThan(1);
    expect(res.repairSummary?.conversation).toEqual({ mode: 'row' });
  });

  it('learned mid-stream starts: no handshake, and a SYN inside the sample is cleared', () => {
    const learner = new RowStatsLearner();
    for (let i = 0; i < 3; i++) {
      const t = packetsToRows([tcp(50000 + i, 443, 0x010, 1), tcp(443, 50000 + i, 0x010, 1)]).table;
      learner.addTable(t);
    }
    const stats = learner.result();
    expect(stats.data.samples?.tcpStarts).toEqual({ syn: 0, other: 3 });
    const res = repair(noisy(), stats);
    expect(res.repairSummary?.conversation).toMatchObject({ handshake: false });
    expect(res.packets.map(seen).filter((x) => x.flags & 0x02)).toEqual([]);
  });

  it('a sample without a port majority takes the learned ports: the most frequent is the server', () => {
    const learned = RowStats.fromTable(packetsToRows([tcp(51000, 443, 0x002, 1), tcp(443, 51000, 0x012, 1), tcp(51000, 443, 0x010, 2)]).table);
    const t = packetsToRows([tcp(1, 2, 0x010, 1), tcp(3, 4, 0x010, 2), tcp(5, 6, 0x010, 3), tcp(7, 8, 0x010, 4)]).table;
    const res = repair(t, learned);
    expect(res.repairSummary?.conversation).toMatchObject({ portsFrom: 'learned', ports: { a: 51000, b: 443 } });
    expect(pairsOf(res)).toEqual(new Set(['443-51000']));
  });

  it('same rows and seed, same bytes', () => {
    const a = repair(noisy()).packets.map((p) => [...p.data]);
    expect(repair(noisy()).packets.map((p) => [...p.data])).toEqual(a);
  });
});

describe.skipIf(!HAVE_SHARED)("NetDiffusion's generated_netflix_5", () => {
  it('decodes to one TCP conversation opening with SYN, SYN-ACK (per row: hundreds of port pairs)', () => {
    const gen = parseNprintCsv(readFileSync(sharedPath('netdiffusion', 'generated_netflix_5.nprint')));
    const perRow = repair(gen, null, 'row');
    const one = repair(gen);
    expect(pairsOf(perRow).size).toBeGreaterThan(100);
    expect(pairsOf(one).size).toBe(1);
    const s = one.packets.map(seen);
    expect(s.every((x) => x.proto === 6)).toBe(true);
    expect(s[0]?.flags).toBe(0x02);
    expect((s[1]?.flags ?? 0) & 0x12).toBe(0x12);
    expect(s.slice(2).filter((x) => x.flags & 0x02)).toEqual([]);
    // With the real sample learned, the conversation takes its ports.
    const real = selectColumns(parseNprintCsv(readFileSync(sharedPath('netdiffusion', 'preprocessed_netflix_01.nprint'))), NETDIFFUSION_IMAGE_COLUMNS);
    const learned = repair(gen, RowStats.fromTable(real));
    expect(learned.repairSummary?.conversation).toMatchObject({ ports: { a: 49977, b: 443 }, portsFrom: 'learned' });
    console.log(`generated_netflix_5: per row ${pairsOf(perRow).size} port pairs; one conversation: ${JSON.stringify(one.repairSummary?.conversation)}`);
  });
});
