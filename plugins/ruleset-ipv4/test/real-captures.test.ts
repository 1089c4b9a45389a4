import { readCaptureAll } from '@netsynth/pcap';
import { countByRule } from '@netsynth/protocol-rules';
import { describe, expect, it } from 'vitest';
import { createIpv4Ruleset } from '../src/index.js';
import { HAVE_SHARED, realCaptures } from './captures.js';

describe.skipIf(!HAVE_SHARED)('IPv4 rules on every real capture', () => {
  // No exceptions: even the captures with deliberate anomalies (nmap probes, spoofed TTLs,
  // fragments, offloaded header checksums in ip_ttl_*, ip_frag_source, mail_*) have valid
  // IPv4 headers; checksum 0 left by NIC offload is accepted by default.
  const ruleset = createIpv4Ruleset();
  it.each(realCaptures())('%s has no IPv4 violation', async (_name, path) => {
    const { packets } = await readCaptureAll(path);
    expect(countByRule(ruleset.check(packets))).toEqual({});
  });

  it('reports offloaded header checksums when told to', async () => {
    const { packets } = await readCaptureAll(realCaptures().find(([n]) => n === 'ip_ttl_source.pcapng')?.[1] ?? '');
    const strict = createIpv4Ruleset({ offloadedChecksums: 'reject' });
    expect(countByRule(strict.check(packets))).toEqual({ 'ipv4.checksum': 1 });
    const repaired = strict.repair(packets, (await import('@netsynth/core')).createRng(1));
    expect(strict.check(repaired.packets)).toEqual([]);
  });
});
