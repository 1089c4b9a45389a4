import { describe, expect, it } from 'vitest';
import { buildTcpPacket, buildUdpPacket, subflowsOf, TCP_FLAG, viewsOf } from '../src/index.js';

describe('sub-flows of a mixed sample', () => {
  it('groups DNS and TCP packets by 5-tuple, with directions from the first packet', () => {
    const client = '192.168.1.10';
    const packets = [
      buildUdpPacket({ src: client, dst: '192.168.1.1', srcPort: 5353, dstPort: 53 }),
      buildUdpPacket({ src: '192.168.1.1', dst: client, srcPort: 53, dstPort: 5353 }),
      buildTcpPacket({ src: client, dst: '93.184.216.34', srcPort: 40000, dstPort: 443, flags: TCP_FLAG.SYN }),
      buildTcpPacket({ src: '93.184.216.34', dst: client, srcPort: 443, dstPort: 40000, flags: TCP_FLAG.SYN | TCP_FLAG.ACK }),
      buildTcpPacket({ src: client, dst: '93.184.216.34', srcPort: 40000, dstPort: 443 }),
    ];
    const flows = subflowsOf(viewsOf(packets));
    expect(flows.map((f) => [f.protocol, f.indices, f.directions])).toEqual([
      [17, [0, 1], [0, 1]],
      [6, [2, 3, 4], [0, 1, 0]],
    ]);
    expect(flows[1]?.a).toEqual({ address: client, port: 40000 });
  });
});
