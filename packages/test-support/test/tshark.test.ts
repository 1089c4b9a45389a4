import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_TSHARK, TSHARK_FIELDS, TsharkComparison, innerOnly, tsharkFields, tsharkView, type PacketFields, type TsharkRow } from '../src/index.js';

const tcp4: PacketFields = {
  ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, totalLength: 40 },
  tcp: { srcPort: 1234, dstPort: 80, flags: 0x012, seq: 1000, ack: 2000 },
};
/** What tshark prints for {@link tcp4}. */
const tcp4Row: TsharkRow = {
  'ip.src': '10.0.0.1',
  'ip.dst': '10.0.0.2',
  'ip.proto': '6',
  'ip.len': '40',
  'ipv6.src': '',
  'ipv6.dst': '',
  'ipv6.nxt': '',
  'tcp.srcport': '1234',
  'tcp.dstport': '80',
  'udp.srcport': '',
  'udp.dstport': '',
  'tcp.flags': '0x0012',
  'tcp.seq_raw': '1000',
  'tcp.ack_raw': '2000',
};

describe('tsharkView', () => {
  it('prints an IPv4/TCP packet as tshark does, empty where a layer is absent', () => {
    expect(tsharkView(tcp4)).toEqual(tcp4Row);
  });

  it('prints IPv6 next header and UDP ports, no ip.len, and the reserved TCP bits in tcp.flags', () => {
    const v6 = tsharkView({ ip: { version: 6, src: '::1', dst: '::2', protocol: 17, nextHeader: 0, totalLength: 48 }, udp: { srcPort: 53, dstPort: 5353 } });
    expect(v6).toMatchObject({
      'ipv6.src': '::1',
      'ipv6.dst': '::2',
      'ipv6.nxt': '0',
      'ip.len': '',
      'ip.proto': '',
      'udp.srcport': '53',
      'udp.dstport': '5353',
      'tcp.flags': '',
    });
    expect(tsharkView({ tcp: { srcPort: 1, dstPort: 2, flags: (0b101 << 9) | 0x100, seq: 0, ack: 0 } })['tcp.flags']).toBe('0x0b00');
  });
});

describe('innerOnly', () => {
  it('compares every field of a plain packet', () => {
    expect(TSHARK_FIELDS.filter((f) => innerOnly(tcp4, f))).toEqual([]);
  });

  it('skips the transport and other-IP-version fields tshark takes from an ICMP error quote', () => {
    const icmp4: PacketFields = { ip: { version: 4, src: 'a', dst: 'b', protocol: 1 }, icmp: {} };
    // Everything but the outer packet's own IP fields: the other version's and all transport ones.
    expect(TSHARK_FIELDS.filter((f) => innerOnly(icmp4, f))).toEqual(TSHARK_FIELDS.filter((f) => !f.startsWith('ip.')));
    const icmp6: PacketFields = { ip: { version: 6, src: 'a', dst: 'b', protocol: 58, nextHeader: 58 }, icmp: {} };
    expect(TSHARK_FIELDS.filter((f) => innerOnly(icmp6, f))).toEqual(TSHARK_FIELDS.filter((f) => !f.startsWith('ipv6.')));
  });

  it('skips the transport fields of a tunnel, even where the outer packet is UDP (Teredo)', () => {
    const sixInFour: PacketFields = { ip: { version: 4, src: 'a', dst: 'b', protocol: 41 } };
    expect(innerOnly(sixInFour, 'tcp.srcport')).toBe(true);
    expect(innerOnly(sixInFour, 'ipv6.src')).toBe(true);
    expect(innerOnly(sixInFour, 'ip.src')).toBe(false);
    const teredo: PacketFields = { ip: { version: 4, src: 'a', dst: 'b', protocol: 17 }, udp: { srcPort: 3544, dstPort: 40000 } };
    expect(innerOnly(teredo, 'udp.srcport')).toBe(true);
    expect(innerOnly({ ...teredo, udp: { srcPort: 53, dstPort: 40000 } }, 'udp.srcport')).toBe(false);
  });
});

describe('TsharkComparison', () => {
  it('counts the compared fields and names each mismatch by frame, field and both values', () => {
    const c = new TsharkComparison('ours');
    c.add(1, tcp4Row, tcp4);
    c.add(2, { ...tcp4Row, 'tcp.seq_raw': '999', 'ip.len': '41' }, tcp4);
    expect(c.compared).toBe(2 * TSHARK_FIELDS.length);
    expect(c.mismatches).toEqual(['frame 2 ip.len: tshark "41", ours "40"', 'frame 2 tcp.seq_raw: tshark "999", ours "1000"']);
  });

  it('keeps only the first `limit` mismatches but still counts every field', () => {
    const c = new TsharkComparison('netsynth', 3);
    for (let frame = 1; frame <= 5; frame++) c.add(frame, { ...tcp4Row, 'ip.src': '10.9.9.9' }, tcp4);
    expect(c.mismatches).toEqual([1, 2, 3].map((f) => `frame ${f} ip.src: tshark "10.9.9.9", netsynth "10.0.0.1"`));
    expect(c.compared).toBe(5 * TSHARK_FIELDS.length);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'netsynth-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A classic pcap (Ethernet) holding the one packet {@link tcp4} describes. */
function tcp4Capture(): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const eth = Buffer.from('0000000000020000000000010800', 'hex');
  const ip = Buffer.from('4500002800010000400600000a0000010a000002', 'hex');
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(1234, 0);
  tcp.writeUInt16BE(80, 2);
  tcp.writeUInt32BE(1000, 4);
  tcp.writeUInt32BE(2000, 8);
  tcp.writeUInt8(0x50, 12); // data offset 5
  tcp.writeUInt8(0x12, 13); // SYN, ACK
  tcp.writeUInt16BE(1024, 14);
  const frame = Buffer.concat([eth, ip, tcp]);
  const record = Buffer.alloc(16);
  record.writeUInt32LE(1_700_000_000, 0);
  record.writeUInt32LE(frame.length, 8);
  record.writeUInt32LE(frame.length, 12);
  return Buffer.concat([header, record, frame]);
}

describe.skipIf(!HAVE_TSHARK)('tsharkFields (runs tshark)', () => {
  it('parses one row per packet, the fields in their order', async () => {
    const file = join(dir, 'one.pcap');
    writeFileSync(file, tcp4Capture());
    const run = await tsharkFields(file);
    expect(run).toEqual({ rows: [tcp4Row], exitCode: 0 });
    const c = new TsharkComparison('ours');
    c.add(1, run!.rows[0]!, tcp4);
    expect(c.mismatches).toEqual([]);
  });

  it('is undefined for a file tshark cannot read', async () => {
    const file = join(dir, 'not-a-capture.pcap');
    writeFileSync(file, 'this is not a capture\n');
    expect(await tsharkFields(file)).toBeUndefined();
  });
});
