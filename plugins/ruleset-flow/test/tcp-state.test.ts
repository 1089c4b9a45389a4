import { createRng, type Packet } from '@netsynth/core';
import { encodeTcpOptions, layoutOf, TCP_FLAG, TCPOPT, u32Bytes, viewOf, parseTcpOptions } from '@netsynth/protocol-rules';
import { describe, expect, it } from 'vitest';
import { createFlowRuleset } from '../src/index.js';
import { CLIENT, conversation, GOOD, SERVER, type Step } from './conversation.js';

const { SYN, ACK, PSH, FIN, RST, ECE, CWR } = TCP_FLAG;
const r = createFlowRuleset();
const rng = (): ReturnType<typeof createRng> => createRng(11);
const at = (packets: readonly Packet[], i: number): ReturnType<typeof viewOf> => viewOf(packets[i] as Packet, i);

function findsAndRepairs(steps: Step[], rule: string): { packets: Packet[]; fields: string[] } {
  const sample = conversation(steps);
  expect(r.check(sample).map((v) => v.rule)).toContain(rule);
  const { packets, changes } = r.repair(sample, rng());
  expect(r.check(packets)).toEqual([]);
  expect(packets.length).toBe(sample.length);
  return { packets, fields: changes.map((c) => `${c.rule}:${c.field}`) };
}

describe('TCP connection state', () => {
  it('accepts a correct connection, retransmissions, a keep-alive and a zero-window probe', () => {
    expect(r.check(conversation(GOOD))).toEqual([]);
    const extra: Step[] = [
      ...GOOD.slice(0, 6),
      { from: 's', flags: ACK, len: 1448, seq: 900_001, dtMs: 200 },
      { from: 'c', flags: ACK, seq: 100_120, dtMs: 5000 },
      ...GOOD.slice(6),
    ];
    expect(r.check(conversation(extra))).toEqual([]);
  });

  it("makes the responder's first answer a SYN-ACK acknowledging ISN+1", () => {
    const steps: Step[] = [GOOD[0] as Step, { from: 's', flags: ACK, len: 10, dtMs: 20 }, ...GOOD.slice(2)];
    const { packets, fields } = findsAndRepairs(steps, 'flow.tcp.handshake');
    expect(at(packets, 1).tcp?.flags.value).toBe(SYN | ACK);
    expect(at(packets, 1).tcp?.ack).toBe(100_001);
    expect(fields).toContain('flow.tcp.handshake:ip.payload');
    // A data segment has no MSS: it gets the learned SYN-ACK layout (Linux's by default).
    expect(layoutOf(parseTcpOptions(at(packets, 1).tcp?.rawOptions ?? new Uint8Array()).options)).toBe('2,4,8,1,3');
  });

  it('turns around an initiator segment sent before the SYN was answered', () => {
    const steps: Step[] = [GOOD[0] as Step, { from: 'c', flags: ACK, dtMs: 20 }, ...GOOD.slice(2)];
    const { packets } = findsAndRepairs(steps, 'flow.tcp.handshake');
    expect(at(packets, 1).ipv4?.src).toBe(SERVER);
    expect(at(packets, 1).ipv4?.ttl).toBe(52);
    expect(at(packets, 1).tcp?.flags.syn).toBe(true);
  });

  it('clears a SYN inside an open connection, with its SYN-only options', () => {
    const steps: Step[] = [...GOOD.slice(0, 4), { from: 's', flags: SYN | ACK, len: 0, seq: 123 }, ...GOOD.slice(4)];
    const { packets } = findsAndRepairs(steps, 'flow.tcp.handshake');
    const t = at(packets, 4).tcp;
    expect(t?.flags.syn).toBe(false);
    expect(parseTcpOptions(t?.rawOptions ?? new Uint8Array()).options.every((o) => o.kind === TCPOPT.NOP || o.kind === TCPOPT.EOL)).toBe(true);
  });

  it('continues the byte count for a sequence number out of range', () => {
    const steps = GOOD.map((s, i) => (i === 5 ? { ...s, seq: 12345 } : s));
    const { packets } = findsAndRepairs(steps, 'flow.tcp.seq');
    expect(at(packets, 5).tcp?.seq).toBe(900_001 + 1448);
  });

  it('acknowledges what the peer sent when an ack is out of range', () => {
    const steps = GOOD.map((s, i) => (i === 6 ? { ...s, ack: 77 } : s));
    const { packets } = findsAndRepairs(steps, 'flow.tcp.ack');
    expect(at(packets, 6).tcp?.ack).toBe(900_001 + 1448 + 300);
  });

  it('tolerates capture loss by default and rejects it for generated samples', () => {
    // The capture lost the server's first 1448-byte segment; the client acks it anyway.
    const gap = conversation(GOOD).filter((_, i) => i !== 4);
    expect(r.check(gap)).toEqual([]);
    const strict = createFlowRuleset({ captureLoss: 'reject' });
    expect(strict.check(gap).map((v) => v.rule)).toEqual(['flow.tcp.seq']);
    const { packets } = strict.repair(gap, rng());
    expect(strict.check(packets)).toEqual([]);
  });

  it('clears a FIN followed by more data from the same side', () => {
    const steps: Step[] = [
      ...GOOD.slice(0, 4),
      { from: 's', flags: FIN | ACK, len: 100 },
      { from: 's', flags: PSH | ACK, len: 100 },
      { from: 'c', flags: ACK },
    ];
    const { packets } = findsAndRepairs(steps, 'flow.tcp.close');
    expect(at(packets, 4).tcp?.flags.fin).toBe(false);
  });

  it("clears an RST the connection goes on after, and accepts the peer's segments in flight", () => {
    const inFlight: Step[] = [
      ...GOOD.slice(0, 4),
      { from: 'c', flags: RST | ACK },
      { from: 's', flags: PSH | ACK, len: 50, dtMs: 0.1 },
      { from: 'c', flags: RST, dtMs: 0.1, seq: 100_121 },
    ];
    expect(r.check(conversation(inFlight))).toEqual([]);
    const steps: Step[] = [...GOOD.slice(0, 4), { from: 's', flags: RST }, { from: 's', flags: PSH | ACK, len: 100, seq: 900_001 }, { from: 'c', flags: ACK }];
    const { packets } = findsAndRepairs(steps, 'flow.tcp.close');
    expect(at(packets, 4).tcp?.flags.value).toBe(ACK);
  });

  it('accepts a new connection on the same ports after RST, and a refused connection', () => {
    expect(
      r.check(
        conversation([
          { from: 'c', flags: SYN },
          { from: 's', flags: RST | ACK },
          { from: 'c', flags: SYN, seq: 555, dtMs: 1000 },
          { from: 's', flags: RST | ACK, ack: 556 },
        ]),
      ),
    ).toEqual([]);
  });

  it('removes ECN bits and SACK blocks the handshake did not negotiate', () => {
    const sack = encodeTcpOptions([{ kind: TCPOPT.NOP }, { kind: TCPOPT.NOP }, { kind: TCPOPT.SACK, data: u32Bytes(900_001, 900_101) }]);
    const noSackSyn = encodeTcpOptions([{ kind: TCPOPT.MSS, data: u32Bytes(0).subarray(0, 2) }]);
    const steps: Step[] = [
      { from: 'c', flags: SYN, options: noSackSyn },
      { from: 's', flags: SYN | ACK },
      { from: 'c', flags: ACK | ECE },
      { from: 's', flags: ACK, len: 200 },
      { from: 'c', flags: ACK, options: sack },
    ];
    const sample = conversation(steps);
    expect(r.check(sample).map((v) => v.rule)).toEqual(['flow.tcp.ecn', 'flow.tcp.sack']);
    const { packets } = r.repair(sample, rng());
    expect(r.check(packets)).toEqual([]);
    expect(at(packets, 2).tcp?.flags.value).toBe(ACK);
    const ecnOk: Step[] = [
      { from: 'c', flags: SYN | ECE | CWR },
      { from: 's', flags: SYN | ACK | ECE },
      { from: 'c', flags: ACK | CWR },
    ];
    expect(r.check(conversation(ecnOk))).toEqual([]);
  });

  it('keeps one TTL per direction outside the handshake', () => {
    const steps = GOOD.map((s, i) => (i === 5 ? { ...s, ttl: 3 } : s));
    const { packets } = findsAndRepairs(steps, 'flow.ip.ttl');
    expect(at(packets, 5).ipv4?.ttl).toBe(52);
  });

  it('checks a sample that mixes a DNS lookup and a TCP connection per sub-flow', async () => {
    const { buildUdpPacket } = await import('@netsynth/protocol-rules');
    const dns = [
      buildUdpPacket({ src: CLIENT, dst: '192.168.7.1', srcPort: 5300, dstPort: 53, timestampNs: 1_699_999_999_000_000_000n }),
      buildUdpPacket({ src: '192.168.7.1', dst: CLIENT, srcPort: 53, dstPort: 5300, timestampNs: 1_699_999_999_010_000_000n }),
    ];
    expect(r.check([...dns, ...conversation(GOOD)])).toEqual([]);
  });
});
