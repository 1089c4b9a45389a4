import { readCaptureAll } from '@netsynth/pcap';
import { countByRule } from '@netsynth/protocol-rules';
import { haveShared, sharedCaptureExpectations, sharedPath } from '@netsynth/test-support';
import { describe, expect, it } from 'vitest';
import { createTcpRuleset } from '../src/index.js';

const HAVE_SHARED = haveShared('@netsynth/ruleset-tcp real-capture tests');

/**
 * The deliberate anomalies of the real captures, as the TCP rules must report them; every other
 * capture must have none (retransmissions, dup-acks, zero windows, keep-alives, RSTs, TSO and
 * checksum-offloaded segments, snap-length-cut segments, IPv6 included).
 */
const EXPECTED: Record<string, { counts: Record<string, number>; reason: string }> = {
  'packets/activeosfingerprinting.pcapng': {
    counts: { 'tcp.flags': 12, 'tcp.options': 48, 'tcp.reserved': 1, 'tcp.urgent_pointer': 1 },
    reason:
      'nmap -O probes: null/FIN+PSH+URG/SYN+FIN flag combinations, window scale 15, MSS and window scale on non-SYN segments, a reserved bit, an urgent pointer without URG',
  },
  'packets/synscan.pcapng': {
    counts: { 'tcp.ports': 4 },
    reason: 'nmap SYN scan: TCP SYNs to UDP-only service ports (161 snmp, 500 isakmp)',
  },
  'packets/weather_broken.pcapng': {
    counts: { 'tcp.checksum': 1 },
    reason: 'the HTTP request was edited after capture to hide the station password (PASSWORD=00000000): its checksum no longer matches',
  },
  'packets/weather_working.pcapng': {
    counts: { 'tcp.checksum': 1 },
    reason: 'the HTTP request was edited after capture to hide the station password (PASSWORD=12345678): its checksum no longer matches',
  },
};

describe.skipIf(!HAVE_SHARED)('TCP rules on every real capture', () => {
  const ruleset = createTcpRuleset();
  it.each(sharedCaptureExpectations(EXPECTED, {}))('%s: only its deliberate anomalies', async (_name, path, counts) => {
    expect(countByRule(ruleset.check((await readCaptureAll(path)).packets))).toEqual(counts);
  });

  it.each(Object.keys(EXPECTED))('%s repairs to a capture without TCP violations', async (name) => {
    const path = sharedPath(name);
    const { packets } = await readCaptureAll(path);
    const { packets: repaired, changes } = ruleset.repair(packets, (await import('@netsynth/core')).createRng(5));
    expect(ruleset.check(repaired)).toEqual([]);
    expect(changes.length).toBeGreaterThan(0);
  });
});
