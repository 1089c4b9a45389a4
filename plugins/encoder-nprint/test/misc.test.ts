import { describe, expect, it } from 'vitest';
import { formatIpv6, parseIpv4, parseIpv6 } from '../src/address-text.js';
import { gapsUs, iatToUnit, unitToIat } from '../src/iat.js';
import { parseNprintCsv } from '../src/csv.js';
import { packetsToRows, rowsToPackets } from '../src/rows.js';
import { NPRINT_COLUMNS } from '../src/layout.js';
import { selectColumns } from '../src/table.js';
import { concat, ethernetPacket, icmpEcho, ipv4Header, ipv6Header, rawPacket, tcpHeader, udpHeader } from './packets.js';

describe('address text', () => {
  it('writes IPv6 as glibc inet_ntop does', () => {
    const cases: [string, string][] = [
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['fe80:0:0:0:0:0:0:0', 'fe80::'],
      ['0:0:0:0:0:ffff:c000:280', '::ffff:192.0.2.128'],
      ['0:0:0:0:0:0:c000:280', '::192.0.2.128'],
      ['2001:db8:1:1:1:1:1:1', '2001:db8:1:1:1:1:1:1'],
      ['2001:0:1:1:1:1:1:1', '2001:0:1:1:1:1:1:1'],
    ];
    for (const [input, text] of cases) expect(formatIpv6(parseIpv6(input))).toBe(text);
  });

  it('rejects malformed addresses', () => {
    expect(() => parseIpv4('1.2.3')).toThrow(/not an IPv4 address/);
    expect(() => parseIpv6('1::2::3')).toThrow(/not an IPv6 address/);
    expect(() => parseIpv6('1:2:3:4:5:6:7:8:9')).toThrow(/not an IPv6 address/);
  });
});

describe('inter-arrival times', () => {
  it('log scale round trip to whole µs, clipped at the top', () => {
    for (const us of [0, 1, 7, 250, 12_345, 1_000_000, 59_999_999]) expect(unitToIat(iatToUnit(us))).toBe(us);
    expect(iatToUnit(0)).toBe(-1);
    expect(iatToUnit(120_000_000)).toBe(1);
    expect(unitToIat(1)).toBe(60_000_000);
  });

  it('gaps are nprint’s rts: µs-truncated times subtracted', () => {
    expect(gapsUs([1_000_000_999n, 1_000_001_000n, 1_000_001_999n, 999_000n])).toEqual([0, 1, 0, -999002]);
  });
});

describe('packets ⇄ rows', () => {
  const syn = concat(ipv4Header({ protocol: 6, src: [10, 1, 0, 1], dst: [10, 1, 0, 2] }, 20), tcpHeader([], 1234, 80, 0x002));
  const synAck = concat(ipv4Header({ protocol: 6, src: [10, 1, 0, 2], dst: [10, 1, 0, 1] }, 20), tcpHeader([], 80, 1234, 0x012));

  it('follows nprint’s frame rules: Ethernet IPv4/IPv6 only (no VLAN, no ARP)', () => {
    const vlan = ethernetPacket(concat(Uint8Array.of(0, 1, 0x08, 0x00), syn), 0x8100);
    const res = packetsToRows([ethernetPacket(syn, 0x0800, 5_000n), ethernetPacket(new Uint8Array(28), 0x0806), vlan, rawPacket(synAck, 255_000n)], {
      relativeTimestamps: true,
    });
    expect(res.packetIndex).toEqual([0, 3]);
    expect(res.skipped.map((s) => s.code)).toEqual(['not-ip', 'not-ip']);
    expect(res.table.index).toEqual(['10.1.0.1', '10.1.0.2']);
    expect(res.table.extras).toEqual([['0'], ['250']]);
  });

  it('rows → packets: timestamps from rts, padding ends the sample', () => {
    const { table } = packetsToRows([rawPacket(syn, 0n), rawPacket(synAck, 7_000_000n)], { relativeTimestamps: true });
    const padded = {
      ...table,
      rowCount: 3,
      index: [...table.index, ''],
      extras: [...table.extras, ['0']],
      bits: concatInt8(table.bits, new Int8Array(1408).fill(-1)),
    };
    const back = rowsToPackets(padded);
    expect(back.paddingFrom).toBe(2);
    expect(back.packets.map((p) => p.timestampNs)).toEqual([0n, 7_000_000n]);
    expect(Buffer.from(back.packets[1]!.data).equals(Buffer.from(synAck))).toBe(true);
  });

  it('rows without address columns get the given addresses, swapped by direction', () => {
    const { table } = packetsToRows([rawPacket(syn), rawPacket(synAck), rawPacket(concat(ipv6Header(17, 8), udpHeader(0)))]);
    const narrow = selectColumns(
      table,
      NPRINT_COLUMNS.filter((c) => !/_(src|dst)_/.test(c)),
    );
    const back = rowsToPackets(narrow, { addresses: { ipv4: { a: '192.0.2.1', b: '192.0.2.2' }, ipv6: { a: 'fd00::a', b: 'fd00::b' } } });
    expect(back.problems).toEqual([]);
    expect(Array.from(back.packets[0]!.data.subarray(12, 20))).toEqual([192, 0, 2, 1, 192, 0, 2, 2]);
    expect(Array.from(back.packets[1]!.data.subarray(12, 20))).toEqual([192, 0, 2, 2, 192, 0, 2, 1]);
    expect(formatIpv6(back.packets[2]!.data, 8)).toBe('fd00::a');
    expect(back.filledAddresses?.ipv4).toEqual({ a: '192.0.2.1', b: '192.0.2.2' });
    // Everything but the addresses is the original.
    const orig = syn.slice();
    orig.set([192, 0, 2, 1, 192, 0, 2, 2], 12);
    expect(Buffer.from(back.packets[0]!.data).equals(Buffer.from(orig))).toBe(true);
  });

  it('ICMP rows decode; broken rows are problems with their row index', () => {
    const icmp = concat(ipv4Header({ protocol: 1 }, 8), icmpEcho());
    const csv = `src_ip,${NPRINT_COLUMNS.join(',')}\n`;
    const { table } = packetsToRows([rawPacket(icmp), rawPacket(syn)]);
    table.bits.set([0, 0, 0, 1], 1408 + 4); // row 1: IHL 5 → 1
    const back = rowsToPackets(parseNprintCsv(csv + lines(table)));
    expect(back.packets).toHaveLength(1);
    expect(Buffer.from(back.packets[0]!.data).equals(Buffer.from(icmp))).toBe(true);
    expect(back.problems).toEqual([{ index: 1, message: 'IPv4 IHL 1 < 5' }]);
  });
});

function concatInt8(a: Int8Array, b: Int8Array): Int8Array {
  const out = new Int8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function lines(table: { bits: Int8Array; index: string[]; rowCount: number }): string {
  let s = '';
  for (let r = 0; r < table.rowCount; r++) s += `${table.index[r]},${Array.from(table.bits.subarray(r * 1408, (r + 1) * 1408)).join(',')}\n`;
  return s;
}
