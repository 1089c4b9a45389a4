import { describe, expect, it } from 'vitest';
import { encodeTcpOptions, layoutOf, parseTcpOptions, TCPOPT, u16Bytes } from '../src/index.js';

describe('TCP options', () => {
  it('encodes and parses a Linux SYN layout', () => {
    const area = encodeTcpOptions([
      { kind: TCPOPT.MSS, data: u16Bytes(1460) },
      { kind: TCPOPT.SACK_PERMITTED },
      { kind: TCPOPT.TIMESTAMP, data: new Uint8Array(8) },
      { kind: TCPOPT.NOP },
      { kind: TCPOPT.WSCALE, data: Uint8Array.of(7) },
    ]);
    expect(area.length).toBe(20);
    const parsed = parseTcpOptions(area);
    expect(parsed.problems).toEqual([]);
    expect(layoutOf(parsed.options)).toBe('2,4,8,1,3');
  });

  it('pads to 32 bits with EOL and zeros', () => {
    const area = encodeTcpOptions([{ kind: TCPOPT.WSCALE, data: Uint8Array.of(7) }]);
    expect([...area]).toEqual([3, 3, 7, 0]);
  });

  it('reports lengths past the area, too-short lengths, wrong fixed lengths, unknown kinds and dirty padding', () => {
    expect(parseTcpOptions(Uint8Array.of(2, 8, 5, 0)).problems[0]?.field).toBe('tcp.options.mss');
    expect(parseTcpOptions(Uint8Array.of(8, 1, 0, 0)).brokenAt).toBe(0);
    expect(parseTcpOptions(Uint8Array.of(3, 4, 7, 0)).problems[0]?.message).toMatch(/allowed 3/);
    expect(parseTcpOptions(Uint8Array.of(99, 2, 1, 1)).problems[0]?.message).toMatch(/unknown option kind 99/);
    expect(parseTcpOptions(Uint8Array.of(1, 0, 0, 5)).problems[0]?.field).toBe('tcp.options.padding');
    expect(parseTcpOptions(Uint8Array.of(1, 1, 1, 2)).problems[0]?.message).toMatch(/no length byte/);
    expect(parseTcpOptions(Uint8Array.of(5, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).problems[0]?.field).toBe('tcp.options.sack');
  });
});
