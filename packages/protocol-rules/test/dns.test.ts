import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { buildDns, buildUdpPacket, dnsPayload, ednsLayout, learnProfiles, newDnsState, parseDns, type DnsMessage } from '../src/index.js';

const query: DnsMessage = {
  id: 0x1234,
  flags: 0x0120,
  question: { name: 'a1.example.test', type: 1, klass: 1 },
  answers: [],
  ednsUdpSize: 1232,
  ednsOptions: [{ code: 10, data: '7abcbf81bbec49f0' }],
};

describe('DNS EDNS options', () => {
  it('an OPT record with options parses back to the same options and size; without options it stays 11 bytes', () => {
    const bytes = buildDns(query);
    expect(parseDns(bytes)).toEqual(query);
    const bare = buildDns({ ...query, ednsOptions: undefined });
    expect(bytes.length - bare.length).toBe(12);
    expect(parseDns(bare)?.ednsOptions).toBeUndefined();
    expect(ednsLayout(query)).toBe('10:8');
  });

  it('a class whose queries carry a cookie is decoded with a cookie of the same length (seeded data)', () => {
    const packets = [0, 1, 2].map((i) =>
      buildUdpPacket({
        src: '10.0.0.2',
        dst: '10.0.0.1',
        srcPort: 40000 + i,
        dstPort: 53,
        payload: buildDns({ ...query, id: i }),
        timestampNs: BigInt(i) * 1_000_000n,
      }),
    );
    const samples = packets.map((p, i) => ({
      id: `q${i}`,
      label: 'names',
      windowStart: 0,
      flow: {
        key: { protocol: 17, a: { address: '10.0.0.2', port: 40000 + i }, b: { address: '10.0.0.1', port: 53 } },
        id: `f${i}`,
        packets: [p],
        directions: [0 as const],
      },
    }));
    const dns = learnProfiles(samples)['names']?.protocols['17']?.dns;
    expect(dns?.queryEdnsOptions).toEqual({ '10:8': 3 });
    const made = parseDns(dnsPayload(newDnsState(dns!), 0, createRng(1))!);
    expect(made?.ednsOptions?.map((o) => [o.code, o.data.length / 2])).toEqual([[10, 8]]);
    expect(buildDns(made!).length).toBe(buildDns(query).length);
  });
});
