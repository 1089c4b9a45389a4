import { readCaptureAll } from '@netsynth/pcap';
import { countByRule } from '@netsynth/protocol-rules';
import { haveShared, sharedCaptureExpectations } from '@netsynth/test-support';
import { describe, expect, it } from 'vitest';
import { createFlowRuleset } from '../src/index.js';

const HAVE_SHARED = haveShared('@netsynth/ruleset-flow real-capture tests');

/** Deliberate anomalies the flow rules must report; every other capture has none. */
const EXPECTED: Record<string, { counts: Record<string, number>; reason: string }> = {
  'packets/activeosfingerprinting.pcapng': {
    counts: { 'flow.tuple': 1, 'flow.ip.ttl': 9 },
    reason: 'nmap -O probes: each probe is sent with its own TTL, and a closed port answers a probe from another source port',
  },
};

describe.skipIf(!HAVE_SHARED)('flow rules on every real capture', () => {
  // Tolerated, because real traffic does it: capture loss (bulk.pcap drops ~450 packets in a
  // burst), reordering at the capture point (acks and timestamps a few µs out of order in
  // bulk/download), keep-alives at ISN (sessionhijacking), zero-window probes, dup-acks,
  // retransmissions, RST after FIN, connection refusal, SYN scans, flows captured mid-stream,
  // one-way captures, SYN proxies answering with their own TTL (weather_*), fragments, IPv6.
  const ruleset = createFlowRuleset();
  it.each(sharedCaptureExpectations(EXPECTED, {}))('%s: only its deliberate anomalies', async (_name, path, counts) => {
    expect(countByRule(ruleset.check((await readCaptureAll(path)).packets))).toEqual(counts);
  });
});
