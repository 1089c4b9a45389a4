import { readCaptureAll } from '@netsynth/pcap';
import { countByRule } from '@netsynth/protocol-rules';
import { haveShared, sharedCaptureCases } from '@netsynth/test-support';
import { describe, expect, it } from 'vitest';
import { createUdpRuleset } from '../src/index.js';

const HAVE_SHARED = haveShared('@netsynth/ruleset-udp real-capture tests');

describe.skipIf(!HAVE_SHARED)('UDP rules on every real capture', () => {
  // No exceptions: DNS, DHCP (source 0.0.0.0, port 68 → 67), DHCPv6, iperf3 UDP, traceroute
  // probes, NIC-offloaded checksums (arppoison, nowebaccess1, http_espn) all pass.
  const ruleset = createUdpRuleset();
  it.each(sharedCaptureCases())('%s has no UDP violation', async (_name, path) => {
    expect(countByRule(ruleset.check((await readCaptureAll(path)).packets))).toEqual({});
  });
});
