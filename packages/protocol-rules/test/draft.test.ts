import type { Packet, RepairChange } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import {
  buildTcpPacket,
  buildUdpPacket,
  fold16,
  IPV4,
  PacketDraft,
  resizeDatagram,
  setBe16,
  TCP,
  transportSpan,
  transportVerdict,
  ipv4HeaderVerdict,
  viewOf,
} from '../src/index.js';

const payload = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);

function edit(p: Packet, log: RepairChange[]): Packet {
  const d = new PacketDraft(p, 0, log);
  const o = d.view.ipOffset ?? 0;
  d.set('test', o, IPV4.ttl, 17, 'test');
  d.set('test', o, IPV4.src, 0x0a090807, 'test');
  const t = d.view.tcp;
  if (!t) throw new Error('no tcp');
  d.set('test', t.offset, TCP.seq, 123456789, 'test');
  d.set('test', t.offset, TCP.dstPort, 8080, 'test');
  d.finalizeChecksums('test');
  return d.toPacket();
}

describe('PacketDraft', () => {
  it('logs each changed field with before and after, and recomputes both checksums', () => {
    const log: RepairChange[] = [];
    const out = edit(buildTcpPacket({ payload }), log);
    expect(log.map((c) => c.field)).toEqual(['ipv4.ttl', 'ipv4.src', 'tcp.seq', 'tcp.dst_port', 'ipv4.checksum', 'tcp.checksum']);
    expect(log[1]).toMatchObject({ before: 167772161, after: 168364039 });
    expect(ipv4HeaderVerdict(viewOf(out, 0))?.state).toBe('ok');
    expect(transportVerdict(viewOf(out, 0))?.state).toBe('ok');
  });

  it('updates the checksum of a cut segment incrementally (RFC 1624) to what the whole segment needs', () => {
    const whole = buildTcpPacket({ payload });
    const cut: Packet = { ...whole, data: whole.data.slice(0, 71), capturedLength: 71 };
    const fixedWhole = edit(whole, []);
    const fixedCut = edit(cut, []);
    const sumOf = (p: Packet): number => ((p.data[36] ?? 0) << 8) | (p.data[37] ?? 0);
    expect(sumOf(fixedCut)).toBe(sumOf(fixedWhole));
    expect(fixedCut.data.length).toBe(71);
    expect(fixedCut.originalLength).toBe(whole.originalLength);
  });

  it('keeps an offloaded partial sum a partial sum on a cut segment', () => {
    const whole = buildTcpPacket({ payload });
    const span = transportSpan(viewOf(whole, 0));
    if (!span) throw new Error('no span');
    const data = whole.data.slice(0, 80);
    setBe16(data, span.field, fold16(span.pseudo));
    const cut: Packet = { ...whole, data, capturedLength: 80 };
    const out = edit(cut, []);
    expect(transportVerdict(viewOf(out, 0))?.state).toBe('offloaded');
  });

  it('returns the very same packet when nothing changed', () => {
    const p = buildUdpPacket();
    const d = new PacketDraft(p, 0, []);
    d.set('test', 0, IPV4.ttl, 64, 'same value');
    d.finalizeChecksums('test');
    expect(d.toPacket()).toBe(p);
  });

  it('grows and shrinks a datagram, fixing the length and dropping Ethernet padding', () => {
    const tiny = buildUdpPacket({ ethernet: true });
    const padded: Packet = {
      ...tiny,
      data: Uint8Array.from([...tiny.data, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      capturedLength: 60,
      originalLength: 60,
    };
    const d = new PacketDraft(padded, 0, []);
    resizeDatagram(d, 'test', 60, 'grow');
    d.finalizeChecksums('test');
    const v = viewOf(d.toPacket(), 0);
    expect(v.ipv4?.totalLength).toBe(60);
    expect(d.toPacket().data.length).toBe(14 + 60);
    expect(transportVerdict(v)?.state).toBe('ok');
  });
});
