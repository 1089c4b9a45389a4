import { readCaptureAll } from '@netsynth/pcap';
import { countByRule } from '@netsynth/protocol-rules';
import { haveShared, sharedCaptureExpectations } from '@netsynth/test-support';
import { describe, expect, it } from 'vitest';
import { createIcmpRuleset } from '../src/index.js';

const HAVE_SHARED = haveShared('@netsynth/ruleset-icmp real-capture tests');

/** Deliberate anomalies the ICMP rules must report; every other capture has none. */
const EXPECTED: Record<string, { counts: Record<string, number>; reason: string }> = {
  'packets/activeosfingerprinting.pcapng': {
    counts: { 'icmp.type_code': 1 },
    reason: 'nmap -O "IE" probe: an echo request with code 9 (only code 0 is defined)',
  },
};

describe.skipIf(!HAVE_SHARED)('ICMP rules on every real capture', () => {
  // Pings with random payload sizes (lab/icmp), traceroute time-exceeded errors quoting the
  // probes (icmp_traceroute; tshark calls three of them malformed, yet they quote header + 8
  // bytes as RFC 792 asks), ICMPv6 neighbour discovery and fragmented ICMPv6 echoes pass.
  const ruleset = createIcmpRuleset();
  it.each(sharedCaptureExpectations(EXPECTED, {}))('%s: only its deliberate anomalies', async (_name, path, counts) => {
    expect(countByRule(ruleset.check((await readCaptureAll(path)).packets))).toEqual(counts);
  });
});
