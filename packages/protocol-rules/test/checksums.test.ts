import { describe, expect, it } from 'vitest';
import { buildIcmpPacket, buildTcpPacket, buildUdpPacket, fold16, ipv4HeaderVerdict, setBe16, transportSpan, transportVerdict, viewOf } from '../src/index.js';
import type { Packet } from '@netsynth/core';

const withBytes = (p: Packet, edit: (d: Uint8Array) => void): Packet => {
  const data = p.data.slice();
  edit(data);
  return { ...p, data };
};

describe('checksum verdicts', () => {
  const tcp = buildTcpPacket({ payload: new TextEncoder().encode('hello, world') });

  it('accepts correct IPv4, TCP, UDP and ICMP checksums', () => {
    expect(ipv4HeaderVerdict(viewOf(tcp, 0))?.state).toBe('ok');
    expect(transportVerdict(viewOf(tcp, 0))?.state).toBe('ok');
    expect(transportVerdict(viewOf(buildUdpPacket({ payload: Uint8Array.of(1, 2, 3) }), 0))?.state).toBe('ok');
    expect(transportVerdict(viewOf(buildIcmpPacket({ payload: Uint8Array.of(9, 9) }), 0))?.state).toBe('ok');
  });

  it('reports a flipped payload bit as bad and says what the sum should be', () => {
    const broken = withBytes(tcp, (d) => (d[45] = (d[45] ?? 0) ^ 0x10));
    const v = transportVerdict(viewOf(broken, 0));
    expect(v?.state).toBe('bad');
    expect(v?.expected).not.toBe(v?.stored);
  });

  it('recognises what NIC offload leaves: 0 in IPv4, the folded pseudo-header sum in TCP (with or without the length)', () => {
    const ipOffloaded = withBytes(tcp, (d) => setBe16(d, 10, 0));
    expect(ipv4HeaderVerdict(viewOf(ipOffloaded, 0))?.state).toBe('offloaded');
    const span = transportSpan(viewOf(tcp, 0));
    if (!span) throw new Error('no span');
    const partial = withBytes(tcp, (d) => setBe16(d, span.field, fold16(span.pseudo)));
    expect(transportVerdict(viewOf(partial, 0))?.state).toBe('offloaded');
    const tso = withBytes(tcp, (d) => setBe16(d, span.field, fold16(span.pseudoNoLength)));
    expect(transportVerdict(viewOf(tso, 0))?.state).toBe('offloaded');
  });

  it('treats UDP checksum 0 over IPv4 as absent', () => {
    const udp = buildUdpPacket({ payload: Uint8Array.of(1, 2, 3, 4) });
    const zero = withBytes(udp, (d) => setBe16(d, 26, 0));
    expect(transportVerdict(viewOf(zero, 0))?.state).toBe('absent');
  });

  it('does not judge a segment the snap length cut', () => {
    const cut: Packet = { ...tcp, data: tcp.data.slice(0, 44), capturedLength: 44 };
    expect(transportVerdict(viewOf(cut, 0))?.state).toBe('unverifiable');
    expect(ipv4HeaderVerdict(viewOf(cut, 0))?.state).toBe('ok');
  });
});
