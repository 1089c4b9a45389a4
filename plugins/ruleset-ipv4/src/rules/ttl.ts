import { IPV4, type PacketRule } from '@netsynth/protocol-rules';
import type { Ipv4Context } from '../context.js';

export const ttlRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.ttl',
  description: 'TTL is greater than 0 (a router drops a datagram whose TTL reaches 0).',
  applies: (v) => v.ipv4 !== undefined && v.ipv4.version === 4 && v.capturedIpLength >= 9,
  check: (v) => (v.ipv4 && v.ipv4.ttl === 0 ? [{ field: 'ipv4.ttl', message: 'TTL 0' }] : []),
  repair(draft, _f, ctx) {
    const ip = draft.view.ipv4;
    if (!ip) return;
    const own = ctx.ttlBySource.get(ip.src)?.mode();
    const ttl = own ?? ctx.values.hist((p) => p.ttl).mode() ?? 64;
    draft.set(
      'ipv4.ttl',
      draft.view.ipOffset ?? 0,
      IPV4.ttl,
      ttl,
      own !== undefined ? 'TTL this source uses elsewhere in the sample' : 'most common learned TTL',
    );
  },
};
