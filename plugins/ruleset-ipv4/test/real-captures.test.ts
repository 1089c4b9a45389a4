import { readCaptureAll } from '@netsynth/pcap';
import { countByRule } from '@netsynth/protocol-rules';
import { haveShared, sharedCaptureCases, sharedPath } from '@netsynth/test-support';
import { describe, expect, it } from 'vitest';
import { createIpv4Ruleset } from '../src/index.js';

const HAVE_SHARED = haveShared('@netsynth/ruleset-ipv4 real-capture tests');

describe.skipIf(!HAVE_SHARED)('IPv4 rules on every real capture', () => {
  // No exceptions: even the captures with deliberate anomalies (nmap probes, spoofed TTLs,
  // fragments, offloaded header checksums in ip_ttl_*, ip_frag_source, mail_*) have valid
  // IPv4 headers; checksum 0 left by NIC offload is accepted by default.
  const ruleset = createIpv4Ruleset();
  it.each(sharedCaptureCases())('%s has no IPv4 violation', async (_name, path) => {
    expect(countByRule(ruleset.check((await readCaptureAll(path)).packets))).toEqual({});
  });

  it('reports offloaded header checksums when told to', async () => {
    const { packets } = await readCaptureAll(sharedPath('packets', 'ip_ttl_source.pcapng'));
    const strict = createIpv4Ruleset({ offloadedChecksums: 'reject' });
    expect(countByRule(strict.check(packets))).toEqual({ 'ipv4.checksum': 1 });
    const repaired = strict.repair(packets, (await import('@netsynth/core')).createRng(1));
    expect(strict.check(repaired.packets)).toEqual([]);
  });
});
