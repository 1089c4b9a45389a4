import { createRng, type Packet } from '@netsynth/core';
import {
  buildTcpPacket,
  encodeTcpOptions,
  TCP,
  TCP_FLAG,
  TCPOPT,
  u16Bytes,
  u32Bytes,
  putField,
  transportVerdict,
  viewOf,
  parseTcpOptions,
  layoutOf,
} from '@netsynth/protocol-rules';
import { recomputeChecksums } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import plugin, { createTcpRuleset, illegalFlags, nearestLegalFlags } from '../src/index.js';
import { TrafficProfile } from '@netsynth/protocol-rules';

const { SYN, ACK, FIN, RST, PSH, ECE, CWR } = TCP_FLAG;
const rng = (): ReturnType<typeof createRng> => createRng(9);
const r = createTcpRuleset();

function withTcpField(p: Packet, field: typeof TCP.seq, value: number): Packet {
  const data = p.data.slice();
  putField(data, 20, field, value);
  return recomputeChecksums({ ...p, data });
}

const syn = (options: Uint8Array, flags = SYN): Packet => buildTcpPacket({ flags, options });
const tsOption = encodeTcpOptions([{ kind: TCPOPT.NOP }, { kind: TCPOPT.NOP }, { kind: TCPOPT.TIMESTAMP, data: u32Bytes(1, 2) }]);

function repairs(p: Packet): { packet: Packet; fields: string[] } {
  expect(r.check([p]).length).toBeGreaterThan(0);
  const { packets, changes } = r.repair([p], rng());
  expect(r.check(packets)).toEqual([]);
  return { packet: packets[0] as Packet, fields: changes.map((c) => c.field) };
}

describe('TCP flags', () => {
  it.each([
    [0, /null segment/],
    [SYN | FIN, /SYN and FIN/],
    [SYN | RST, /SYN and RST/],
    [RST | FIN | ACK, /RST and FIN/],
    [FIN | PSH, /without ACK/],
    [SYN | ECE, /ECE and CWR together/],
  ])('flags 0x%s are illegal', (flags, why) => {
    expect(illegalFlags(flags)).toMatch(why);
  });

  it.each([SYN, SYN | ACK, ACK, PSH | ACK, FIN | ACK, RST, RST | ACK, SYN | ECE | CWR, ACK | ECE])('flags 0x%s are legal', (flags) => {
    expect(illegalFlags(flags)).toBeUndefined();
  });

  it('repairs to the nearest legal combination real traffic uses', () => {
    const learned = TrafficProfile.defaults().tcpFlags;
    expect(nearestLegalFlags(SYN | FIN, learned)).toBe(SYN);
    expect(nearestLegalFlags(0, learned)).toBe(ACK);
    expect(nearestLegalFlags(FIN | PSH, learned)).toBe(PSH | ACK); // FIN|ACK is as near; PSH|ACK is more common
    const { packet, fields } = repairs(buildTcpPacket({ flags: SYN | RST }));
    expect(fields).toEqual(['tcp.flags', 'tcp.checksum']);
    expect(viewOf(packet, 0).tcp?.flags.value).toBe(SYN); // as near as RST, and more common
  });
});

describe('TCP options', () => {
  it("replaces a window scale above 14 by the learned shift (Linux's 7 by default)", () => {
    const { packet } = repairs(syn(encodeTcpOptions([{ kind: TCPOPT.WSCALE, data: Uint8Array.of(15) }])));
    expect(parseTcpOptions(viewOf(packet, 0).tcp?.rawOptions ?? new Uint8Array()).options[0]?.data[0]).toBe(7);
  });

  it('removes MSS, window scale and SACK-permitted from segments without SYN, keeping the header length', () => {
    const opts = encodeTcpOptions([
      { kind: TCPOPT.MSS, data: u16Bytes(1460) },
      { kind: TCPOPT.SACK_PERMITTED },
      { kind: TCPOPT.WSCALE, data: Uint8Array.of(7) },
    ]);
    const p = buildTcpPacket({ flags: ACK, options: opts });
    expect(r.check([p]).map((v) => v.field)).toEqual(['tcp.options.mss', 'tcp.options.sack_perm', 'tcp.options.wscale']);
    const { packet } = repairs(p);
    const t = viewOf(packet, 0).tcp;
    expect(t?.dataOffset).toBe(8);
    expect(layoutOf(parseTcpOptions(t?.rawOptions ?? new Uint8Array()).options)).toBe('1,1,1,1,1,1,1,1,1');
  });

  it('cuts a malformed option list at the broken option (EOL and zeros)', () => {
    const p = buildTcpPacket({ options: Uint8Array.of(1, 1, 8, 40, 0, 0, 0, 0) });
    const { packet } = repairs(p);
    expect([...(viewOf(packet, 0).tcp?.rawOptions ?? [])]).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('zeroes non-zero padding after EOL (tshark: "Non-zero header padding")', () => {
    const { packet } = repairs(buildTcpPacket({ options: Uint8Array.of(1, 0, 7, 7) }));
    expect([...(viewOf(packet, 0).tcp?.rawOptions ?? [])]).toEqual([1, 0, 0, 0]);
  });

  it('drops SACK blocks on a segment without ACK and empty or reversed blocks', () => {
    const sack = encodeTcpOptions([{ kind: TCPOPT.NOP }, { kind: TCPOPT.NOP }, { kind: TCPOPT.SACK, data: u32Bytes(500, 400) }]);
    expect(r.check([buildTcpPacket({ flags: ACK, options: sack })]).map((v) => v.message)).toEqual([expect.stringMatching(/empty or reversed/)]);
    expect(r.check([buildTcpPacket({ flags: RST, options: sack })]).map((v) => v.message)).toEqual([expect.stringMatching(/without ACK/)]);
    expect(r.check([buildTcpPacket({ flags: ACK, options: tsOption })])).toEqual([]);
  });
});

describe('TCP header', () => {
  it('grows a datagram too short for a TCP header (NetShare: TCP ≥ 40 bytes)', () => {
    const p = buildTcpPacket();
    const data = p.data.slice(0, 30);
    data[3] = 30;
    const short = recomputeChecksums({ ...p, data, capturedLength: 30, originalLength: 30 });
    expect(r.check([short]).map((v) => v.rule)).toContain('tcp.min_size');
    const { packet } = repairs(short);
    expect(viewOf(packet, 0).ipv4?.totalLength).toBe(40);
  });

  it('fixes a data offset larger than the segment, and reserved bits', () => {
    expect(repairs(withTcpField(buildTcpPacket(), TCP.dataOffset, 9)).fields).toContain('tcp.data_offset');
    expect(repairs(withTcpField(buildTcpPacket(), TCP.reserved, 5)).fields).toContain('tcp.reserved');
    expect(repairs(withTcpField(buildTcpPacket(), TCP.urgentPointer, 77)).fields).toContain('tcp.urgent_pointer');
  });

  it('replaces port 0 and UDP-only service ports, preferring the port the endpoint uses elsewhere', () => {
    const ok = buildTcpPacket({ srcPort: 51000, dstPort: 443, payload: Uint8Array.of(1) });
    const zero = buildTcpPacket({ srcPort: 0, dstPort: 443, payload: Uint8Array.of(2) });
    const { packets, changes } = r.repair([ok, zero], rng());
    expect(changes[0]).toMatchObject({ field: 'tcp.src_port', before: 0, after: 51000 });
    expect(r.check(packets)).toEqual([]);
    expect(r.check([buildTcpPacket({ dstPort: 123 })]).map((v) => v.field)).toEqual(['tcp.dst_port']);
    expect(r.check([buildTcpPacket({ srcPort: 53, dstPort: 53 })])).toEqual([]);
  });

  it('recomputes a wrong checksum and accepts what NIC offload leaves', () => {
    const p = buildTcpPacket({ payload: Uint8Array.of(1, 2, 3) });
    const bad = { ...p, data: p.data.slice() };
    bad.data[36] = (bad.data[36] ?? 0) ^ 0xff;
    const { packet, fields } = repairs(bad);
    expect(fields).toEqual(['tcp.checksum']);
    expect(transportVerdict(viewOf(packet, 0))?.state).toBe('ok');
  });

  it('removes data from a SYN without Fast Open, but clears SYN on a data segment inside the flow', () => {
    const handshake = buildTcpPacket({ flags: SYN, payload: new Uint8Array(16) });
    expect(r.check([handshake]).map((v) => v.rule)).toEqual(['tcp.syn_data']);
    expect(viewOf(repairs(handshake).packet, 0).ipv4?.totalLength).toBe(40);
    const earlier = buildTcpPacket({ flags: ACK, seq: 1 });
    const midFlow = buildTcpPacket({ flags: SYN | ACK, seq: 100, payload: new Uint8Array(10) });
    const { packets } = r.repair([earlier, midFlow], rng());
    expect(viewOf(packets[1] as Packet, 1).tcp?.flags.value).toBe(ACK);
    expect(viewOf(packets[1] as Packet, 1).ipv4?.totalLength).toBe(50);
    const tfo = buildTcpPacket({ flags: SYN, payload: new Uint8Array(16), options: encodeTcpOptions([{ kind: TCPOPT.FAST_OPEN, data: new Uint8Array(8) }]) });
    expect(r.check([tfo])).toEqual([]);
  });

  it('is idempotent and returns valid packets untouched', () => {
    const good = buildTcpPacket({ flags: SYN, options: encodeTcpOptions([{ kind: TCPOPT.MSS, data: u16Bytes(1460) }]) });
    const first = r.repair([good, buildTcpPacket({ flags: 0 })], rng());
    expect(first.packets[0]).toBe(good);
    expect(r.repair(first.packets, rng()).changes).toEqual([]);
  });

  it('is a constraint plugin', () => {
    expect(plugin.name).toBe('@netsynth/ruleset-tcp');
    expect(plugin.options.parse({})).toEqual({ offloadedChecksums: 'accept' });
  });
});

describe('snap-length cuts (issue 20: headers-only traces)', () => {
  it('a header the snap length did not capture is neither a violation nor repaired', () => {
    const full = syn(tsOption);
    expect(r.check([full])).toEqual([]);
    // Every cut from 1 byte of TCP to the whole header: what was not captured is absent.
    for (let snap = 21; snap <= full.data.length; snap++) {
      const cut: Packet = { ...full, data: full.data.slice(0, snap), capturedLength: snap };
      expect(r.check([cut]), `snap ${snap}`).toEqual([]);
      const { packets, changes } = r.repair([cut], rng());
      expect(changes, `snap ${snap}`).toEqual([]);
      expect(packets[0]?.data).toEqual(cut.data);
    }
  });
});
