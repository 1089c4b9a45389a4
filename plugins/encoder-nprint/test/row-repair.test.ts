import { readFileSync } from 'node:fs';
import { createRng, type Flow, type LabelledSample, type Packet } from '@netsynth/core';
import { readCaptureAll } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import { haveShared, sharedPath } from '@netsynth/test-support';
import {
  formatRepairSummary,
  isRowRepairReport,
  NETDIFFUSION_LAYOUT,
  NprintEncoder,
  nprintOptionsSchema,
  packetsToRows,
  parseNprintCsv,
  repairRow,
  RowStats,
  rowsToPackets,
  selectColumns,
  NETDIFFUSION_IMAGE_COLUMNS,
  type NprintTable,
  type RowsToPacketsResult,
} from '../src/index.js';
import { concat, ipv4Header, ipv6Header, rawPacket, tcpHeader, udpHeader, icmpEcho } from './packets.js';

const HAVE_SHARED = haveShared('@netsynth/encoder-nprint data tests');

/**
 * rows: 'repair' — one test per heuristic (NetDiffusion's steps 1, 3–7, 12 and where netsynth
 * differs), on hand-made rows whose damage is known; then real rows (must stay unchanged) and
 * NetDiffusion's generated sample.
 */

const tcpPacket = (opts: number[] = [], flags = 0x010, ttl = 64): Packet => {
  const t = tcpHeader(opts, 40000, 443, flags);
  return rawPacket(concat(ipv4Header({ protocol: 6, ttl }, t.length), t));
};
const udpPacket = (ttl = 64): Packet => {
  const u = udpHeader(20);
  return rawPacket(concat(ipv4Header({ protocol: 17, ttl }, u.length + 20), u, new Uint8Array(20)));
};
const icmpPacket = (): Packet => rawPacket(concat(ipv4Header({ protocol: 1 }, 8), icmpEcho()));
const LINUX_SYN_OPTIONS = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7];

function tableOf(packets: Packet[]): NprintTable {
  return packetsToRows(packets).table;
}

/** Sets cells of row r: `name` is a column stem (`ipv4_ttl`) and `values` its cells from bit 0. */
function setCells(table: NprintTable, r: number, stem: string, values: readonly number[], from = 0): void {
  values.forEach((v, i) => {
    const c = table.columns.indexOf(`${stem}_${from + i}`);
    if (c < 0) throw new Error(`no column ${stem}_${from + i}`);
    table.bits[r * table.columns.length + c] = v;
  });
}
const cellsOf = (n: number, bits: number): number[] => Array.from({ length: bits }, (_, i) => (n >> (bits - 1 - i)) & 1);
const minus = (bits: number): number[] => new Array<number>(bits).fill(-1);

/** Row repair on its own (`conversation: 'row'`): these tests are about one row's heuristics. */
function repair(table: NprintTable, stats: RowStats | null = null, seed = 1, conversation: 'row' | 'sample' = 'row'): RowsToPacketsResult {
  return rowsToPackets(table, { rows: 'repair', repair: { stats, seed, conversation } });
}
const changedFields = (res: RowsToPacketsResult, row: number): string[] => (res.repairs ?? []).find((x) => x.index === row)?.changes.map((c) => c.field) ?? [];

describe('strict stays the default', () => {
  it('a row with -1 inside the IPv4 header is a problem, not a packet, unless rows: repair', () => {
    const t = tableOf([tcpPacket()]);
    setCells(t, 0, 'ipv4_ttl', minus(8));
    const strict = rowsToPackets(t);
    expect(strict.packets).toHaveLength(0);
    expect(strict.problems[0]?.message).toMatch(/ipv4_ttl_0 is -1 inside the fixed 20 bytes/);
    const repaired = repair(t);
    expect(repaired.packets).toHaveLength(1);
    expect(nprintOptionsSchema.parse({}).rows).toBe('strict');
  });
});

describe('IPv4 fixed header (NetDiffusion step 3)', () => {
  it('forces version 4 and reports the change', () => {
    const t = tableOf([tcpPacket()]);
    setCells(t, 0, 'ipv4_ver', [1, 0, 0, 0]);
    const res = repair(t);
    expect((res.packets[0]?.data[0] as number) >> 4).toBe(4);
    const change = res.repairs?.[0]?.changes.find((c) => c.field === 'ipv4_ver');
    expect(change).toMatchObject({ before: '8', after: '4' });
    expect(res.problems.filter(isRowRepairReport)).toHaveLength(1);
    expect(res.problems[0]?.message).toMatch(/ipv4_ver 8 → 4/);
  });

  it('fills -1 with the learned value that agrees with the known bits, else the learned bit majority', () => {
    const stats = RowStats.fromTable(tableOf([tcpPacket([], 0x010, 57), tcpPacket([], 0x010, 57), tcpPacket([], 0x010, 128)]));
    const t = tableOf([tcpPacket(), tcpPacket()]);
    setCells(t, 0, 'ipv4_ttl', minus(8)); // nothing known: the most frequent (57)
    setCells(t, 1, 'ipv4_ttl', [1, ...minus(7)]); // top bit 1: only 128 agrees
    const res = repair(t, stats);
    expect(res.packets.map((p) => p.data[8])).toEqual([57, 128]);
    expect(res.repairs?.[0]?.changes.find((c) => c.field === 'ipv4_ttl')?.reason).toMatch(/learned value/);
    // A value no learned one agrees with: each missing bit takes the learned majority.
    const u = tableOf([tcpPacket()]);
    setCells(u, 0, 'ipv4_ttl', [1, 1, 1, 1, 1, 1, 1, -1]);
    const r2 = repair(u, stats);
    expect(r2.packets[0]?.data[8]).toBe(0xfe + 1); // bit 7: 57 = 0b00111001 and 128 → majority 1
    expect(r2.repairs?.[0]?.changes[0]?.reason).toMatch(/learned bit majority/);
  });

  it('without learned values: defaults for fields with one (TTL 64, flags off), seeded bits for the rest', () => {
    const t = tableOf([tcpPacket()]);
    setCells(t, 0, 'ipv4_ttl', minus(8));
    setCells(t, 0, 'ipv4_id', minus(16));
    const a = repair(t, null, 1);
    const b = repair(t, null, 1);
    expect(a.packets[0]?.data[8]).toBe(64);
    expect(a.packets[0]?.data).toEqual(b.packets[0]?.data); // same seed, same bytes
    const reasons = Object.fromEntries((a.repairs?.[0]?.changes ?? []).map((c) => [c.field, c.reason]));
    expect(reasons['ipv4_ttl']).toMatch(/default/);
    expect(reasons['ipv4_id']).toMatch(/random bit/);
    const ids = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8].map((s) => {
        const p = repair(t, null, s).packets[0]?.data;
        return ((p?.[4] ?? 0) << 8) | (p?.[5] ?? 0);
      }),
    );
    expect(ids.size).toBeGreaterThan(1);
  });

  it('clamps a total length above the learned maximum (else 1500) and clears fragment fields on a datagram with a transport header', () => {
    const t = tableOf([tcpPacket()]);
    setCells(t, 0, 'ipv4_tl', cellsOf(60000, 16));
    setCells(t, 0, 'ipv4_mfbit', [1]);
    setCells(t, 0, 'ipv4_foff', cellsOf(77, 13));
    const res = repair(t);
    const d = res.packets[0]?.data as Uint8Array;
    expect((d[2] as number) * 256 + (d[3] as number)).toBe(1500);
    expect(d.length).toBe(1500);
    expect(((d[6] as number) & 0x3f) * 256 + (d[7] as number)).toBe(0); // MF 0, offset 0
    expect(changedFields(res, 0)).toEqual(expect.arrayContaining(['ipv4_tl', 'ipv4_mfbit', 'ipv4_foff']));
  });
});

describe('one transport per row (NetDiffusion step 4, per row not per sample)', () => {
  it('keeps the transport with most fixed-header cells, clears the others and sets the IP protocol', () => {
    const t = tableOf([udpPacket()]);
    setCells(t, 0, 'tcp_sprt', [1, 0, 1, 1, 0]); // a few stray TCP cells
    setCells(t, 0, 'icmp_type', [0, 0]);
    setCells(t, 0, 'ipv4_proto', cellsOf(6, 8));
    const res = repair(t);
    const d = res.packets[0]?.data as Uint8Array;
    expect(d[9]).toBe(17);
    expect(d.length).toBe(48);
    expect(changedFields(res, 0)).toEqual(expect.arrayContaining(['tcp', 'icmp', 'ipv4_proto']));
    expect(res.repairs?.[0]?.transport).toBe('udp');
  });

  it('a sample mixing DNS (UDP), TCP and ICMP rows keeps all three (NetDiffusion forces one protocol per sample)', () => {
    const t = tableOf([udpPacket(), tcpPacket(), icmpPacket()]);
    setCells(t, 0, 'ipv4_ver', [0, 1, 1, 1]);
    setCells(t, 1, 'ipv4_ver', [0, 1, 1, 1]);
    setCells(t, 2, 'ipv4_ver', [0, 1, 1, 1]);
    const res = repair(t);
    expect(res.packets.map((p) => p.data[9])).toEqual([17, 6, 1]);
    expect(res.repairSummary?.transports).toMatchObject({ tcp: 1, udp: 1, icmp: 1 });
  });
});

describe('options and header lengths (NetDiffusion steps 5 and 6)', () => {
  it('removes IPv4 option cells that are no learned layout and sets IHL from what is present', () => {
    const t = tableOf([tcpPacket()]);
    setCells(t, 0, 'ipv4_opt', [1, 0, 1, 1, -1, 1]);
    setCells(t, 0, 'ipv4_hl', cellsOf(2, 4));
    const res = repair(t);
    const d = res.packets[0]?.data as Uint8Array;
    expect((d[0] as number) & 15).toBe(5);
    expect(changedFields(res, 0)).toEqual(expect.arrayContaining(['ipv4_opt', 'ipv4_hl']));
  });

  it('snaps a damaged TCP option area to the nearest layout, keeps the generated values and sets the data offset', () => {
    const t = tableOf([tcpPacket(LINUX_SYN_OPTIONS, 0x002)]);
    // Damage: the SACK-permitted length byte flipped, two timestamp bits missing, stray cells past the end, data offset 0.
    setCells(t, 0, 'tcp_opt', cellsOf(3, 8), 40);
    setCells(t, 0, 'tcp_opt', [-1, -1], 70);
    setCells(t, 0, 'tcp_opt', [1, 1, 0], 170);
    setCells(t, 0, 'tcp_doff', [0, 0, 0, 0]);
    const res = repair(t);
    const d = res.packets[0]?.data as Uint8Array;
    expect((d[32] as number) >> 4).toBe(10);
    const opts = [...d.subarray(40, 60)];
    expect(opts.slice(0, 6)).toEqual([2, 4, 0x05, 0xb4, 4, 2]); // MSS 1460 kept, SACK-permitted length fixed
    expect(opts.slice(6, 8)).toEqual([8, 10]);
    expect(opts.slice(16)).toEqual([1, 3, 3, 7]);
    const change = res.repairs?.[0]?.changes.find((c) => c.field === 'tcp_opt');
    expect(change?.after).toMatch(/^MSS,SACK_PERM,TS,NOP,WS \(20 bytes\)/);
  });

  it('a few stray option cells become no options; a well-formed area stays as generated', () => {
    const t = tableOf([tcpPacket(), tcpPacket([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2])]);
    setCells(t, 0, 'tcp_opt', [1, 1]);
    const res = repair(t);
    expect((res.packets[0]?.data[32] as number) >> 4).toBe(5);
    expect(res.repairs?.map((r) => r.index)).toEqual([0]); // row 1 unchanged
    expect((res.packets[1]?.data[32] as number) >> 4).toBe(8);
  });

  it('fills a missing MSS value from the learned MSS values', () => {
    const learnedSyn = tcpPacket([2, 4, 0x05, 0x84, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7], 0x002); // MSS 1412
    const stats = RowStats.fromTable(tableOf([learnedSyn, learnedSyn]));
    const t = tableOf([tcpPacket(LINUX_SYN_OPTIONS, 0x002)]);
    setCells(t, 0, 'tcp_opt', minus(16), 16);
    const res = repair(t, stats);
    const d = res.packets[0]?.data as Uint8Array;
    expect((d[42] as number) * 256 + (d[43] as number)).toBe(1412);
    expect(res.repairs?.[0]?.changes[0]?.reason).toMatch(/learned layout/);
  });
});

describe('IPv6 and padding (where NetDiffusion drops IPv6 and turns padding into packets)', () => {
  it('an IPv6 row stays IPv6 when its columns dominate; stray IPv4 cells are cleared, next header set', () => {
    const u = udpHeader(0);
    const t = tableOf([rawPacket(concat(ipv6Header(17, 8), u))]);
    setCells(t, 0, 'ipv4_ver', [0, 1]);
    setCells(t, 0, 'ipv6_nh', cellsOf(6, 8));
    setCells(t, 0, 'ipv6_ver', [0, 1, 1, 1]);
    const res = repair(t);
    const d = res.packets[0]?.data as Uint8Array;
    expect((d[0] as number) >> 4).toBe(6);
    expect(d[6]).toBe(17);
    expect(changedFields(res, 0)).toEqual(expect.arrayContaining(['ipv4', 'ipv6_nh', 'ipv6_ver']));
    expect(res.repairSummary?.versions).toEqual({ v4: 0, v6: 1 });
  });

  it('all -1 rows and mostly -1 rows are padding, not packets; rows after padding still decode', () => {
    const t = tableOf([tcpPacket(), tcpPacket(), tcpPacket(), tcpPacket()]);
    const w = t.columns.length;
    t.bits.fill(-1, 1 * w, 3 * w);
    setCells(t, 2, 'ipv4_tos', [1, 0, 1]); // 3 of 96 IPv4 fixed cells: padding with noise
    setCells(t, 2, 'tcp_seq', [1, 1, 1, 1, 0, 0]);
    const res = repair(t);
    expect(res.packets).toHaveLength(2);
    expect(res.rowOfPacket).toEqual([0, 3]);
    expect(res.repairSummary).toMatchObject({ padding: 2, nearPadding: 1, packets: 2 });
    const reported = res.problems.filter((p) => !isRowRepairReport(p));
    expect(reported).toEqual([{ index: 2, message: expect.stringMatching(/^padding, not a packet: only 3% .* its 9 0\/1 cells ignored$/) as string }]);
  });

  it('the padding threshold is an option', () => {
    const t = tableOf([tcpPacket()]);
    setCells(t, 0, 'ipv4_tos', minus(8));
    setCells(t, 0, 'ipv4_tl', minus(16));
    setCells(t, 0, 'ipv4_id', minus(16)); // 40 of 96 cells missing: 58% present
    expect(rowsToPackets(t, { rows: 'repair', repair: { paddingBelow: 0.5 } }).packets).toHaveLength(1);
    expect(rowsToPackets(t, { rows: 'repair', repair: { paddingBelow: 0.6 } }).packets).toHaveLength(0);
  });

  it('repairRow says padding for a row of -1 and changes nothing in it', () => {
    const row = new Int8Array(NETDIFFUSION_LAYOUT.columns.length).fill(-1);
    expect(repairRow(row, NETDIFFUSION_LAYOUT, { stats: null, rng: createRng(1), paddingBelow: 0.5 })).toEqual({ kind: 'padding', ipFraction: 0, cells: 0 });
    expect(row.every((v) => v === -1)).toBe(true);
  });
});

describe('rows that already are packets are left alone', () => {
  it('hand-made TCP (with and without options), UDP, ICMP and IPv6 rows: no change, the same bytes as strict', () => {
    const u = udpHeader(0);
    const t = tableOf([tcpPacket(), tcpPacket(LINUX_SYN_OPTIONS, 0x002), udpPacket(), icmpPacket(), rawPacket(concat(ipv6Header(17, 8), u))]);
    const strict = rowsToPackets(t);
    const res = repair(t);
    expect(res.repairs).toEqual([]);
    expect(res.problems).toEqual([]);
    expect(res.packets.map((p) => [...p.data])).toEqual(strict.packets.map((p) => [...p.data]));
  });

  it.skipIf(!HAVE_SHARED)('every row of preprocessed_netflix_01.nprint and of lab/dns.pcap + icmp.pcap (values learned from the same data)', async () => {
    const real = parseNprintCsv(readFileSync(sharedPath('netdiffusion', 'preprocessed_netflix_01.nprint')));
    // One real flow: also unchanged as one conversation (ports, handshake, the client's random IDs).
    const netflix = repair(real, RowStats.fromTable(real), 1, 'sample');
    expect(netflix.repairSummary).toMatchObject({ rows: 1024, packets: 1024, repaired: 0, padding: 0 });
    const packets = [...(await readCaptureAll(sharedPath('lab', 'dns.pcap'))).packets, ...(await readCaptureAll(sharedPath('lab', 'icmp.pcap'))).packets];
    const rows = packetsToRows(packets).table;
    const res = repair(rows, RowStats.fromTable(rows)); // many flows: each row on its own
    expect(res.repairs).toEqual([]);
    expect(res.packets).toHaveLength(rows.rowCount);
  });
});

describe('the encoder: fit learns, state carries it, decode repairs', () => {
  const sample = (packets: Packet[]): LabelledSample => {
    const flow: Flow = {
      key: { protocol: 6, a: { address: '10.0.0.1', port: 1 }, b: { address: '10.0.0.2', port: 2 } },
      id: 'f',
      packets,
      directions: packets.map(() => 0),
    };
    return { id: 's', label: 'x', flow, windowStart: 0 };
  };

  it('decode in repair mode uses the distributions fit learned, after a state round trip', () => {
    const enc = new NprintEncoder(nprintOptionsSchema.parse({ maxPackets: 4, rows: 'repair' }), { seed: 3 });
    enc.fit([sample([tcpPacket([], 0x010, 99), tcpPacket([], 0x010, 99)])]);
    // Decode options are the instance's own (a state does not undo them); the tensor's shape comes from the state.
    const copy = new NprintEncoder(nprintOptionsSchema.parse({ rows: 'repair' }), { seed: 3 });
    copy.loadState(JSON.parse(JSON.stringify(enc.state())));
    expect(copy.learnedRowStats()?.data.fields['ipv4_ttl']?.top[0]).toEqual([99, 2]);
    // A generated tensor: one real row with its TTL cells lost, three padding rows.
    const tensor = enc.encode(sample([tcpPacket()]));
    const c = enc.tensorColumns().indexOf('ipv4_ttl_0');
    for (let i = 0; i < 8; i++) {
      tensor.data[0 * 4 * 1088 + c + i] = -1; // bit=1 channel off
      tensor.data[1 * 4 * 1088 + c + i] = -1; // bit=0 channel off
      tensor.data[2 * 4 * 1088 + c + i] = 1; // absent
    }
    const strict = new NprintEncoder(nprintOptionsSchema.parse({}), { seed: 3 });
    strict.loadState(enc.state());
    expect(strict.decode(tensor, 'x').packets).toHaveLength(0); // rows: strict kept although the state says repair
    const d = copy.decode(tensor, 'x');
    expect(d.packets).toHaveLength(1);
    expect(d.packets[0]?.data[8]).toBe(99);
    expect(d.problems[0]?.message).toBe(formatRepairSummary(d.repairSummary as NonNullable<typeof d.repairSummary>));
    expect(d.problems[0]?.message).toMatch(/^row repair: 4 rows → 1 packets \(1 repaired, 0 already packets\), 3 padding rows/);
    expect(d.problems[1]).toMatchObject({
      index: 0,
      message: expect.stringContaining('ipv4_ttl bits -------- → 99 (-1 cells filled: learned value)') as string,
    });
  });
});

describe.skipIf(!HAVE_SHARED)("NetDiffusion's generated sample", () => {
  it('generated_netflix_5.nprint: strict decodes no row; repair makes every non-padding row a packet', () => {
    const gen = parseNprintCsv(readFileSync(sharedPath('netdiffusion', 'generated_netflix_5.nprint')));
    expect(gen.columns).toEqual(NETDIFFUSION_IMAGE_COLUMNS);
    expect(rowsToPackets(gen).packets).toHaveLength(0);
    const real = selectColumns(parseNprintCsv(readFileSync(sharedPath('netdiffusion', 'preprocessed_netflix_01.nprint'))), NETDIFFUSION_IMAGE_COLUMNS);
    const res = repair(gen, RowStats.fromTable(real));
    const s = res.repairSummary;
    expect(s?.padding).toBe(0);
    expect(res.packets).toHaveLength(1024 - (s?.padding ?? 0));
    expect(res.problems.filter((p) => !isRowRepairReport(p))).toEqual([]);
    expect(res.problems.filter((p) => p.index !== undefined)).toHaveLength(s?.repaired ?? -1);
    console.log(formatRepairSummary(s as NonNullable<typeof s>));
  });
});
