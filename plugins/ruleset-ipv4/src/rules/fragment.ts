/** Fragment fields: reserved flag, DF against MF/offset, fragment sizes. */
import { IPV4, type Finding, type PacketRule } from '@netsynth/protocol-rules';
import type { Ipv4Context } from '../context.js';

export const fragmentRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.fragment',
  description: "Reserved flag 0; a datagram marked don't-fragment is not a fragment; non-last fragments carry a multiple of 8 bytes; offset + length ≤ 65535.",
  applies: (v) => v.ipv4 !== undefined && v.ipv4.version === 4 && v.capturedIpLength >= 8,
  check(v) {
    const ip = v.ipv4;
    if (!ip) return [];
    const out: Finding[] = [];
    if (ip.reservedFlag) out.push({ field: 'ipv4.flags.reserved', message: 'reserved flag bit is set' });
    const fragment = ip.moreFragments || ip.fragmentOffset > 0;
    if (ip.dontFragment && fragment)
      out.push({ field: 'ipv4.flags.df', message: `don't-fragment set on a fragment (MF ${ip.moreFragments ? 1 : 0}, offset ${ip.fragmentOffset})` });
    const payload = ip.totalLength - ip.ihl * 4;
    if (ip.moreFragments && payload >= 0 && payload % 8 !== 0)
      out.push({ field: 'ipv4.flags.mf', message: `more-fragments set but the fragment carries ${payload} bytes, not a multiple of 8` });
    if (ip.fragmentOffset + Math.max(0, payload) > 65535)
      out.push({ field: 'ipv4.fragment_offset', message: `fragment offset ${ip.fragmentOffset} + ${payload} bytes exceeds 65535` });
    return out;
  },
  repair(draft, findings) {
    const v = draft.view;
    const ip = v.ipv4;
    const o = v.ipOffset ?? 0;
    if (!ip) return;
    for (const f of findings) {
      if (f.field === 'ipv4.flags.reserved') draft.set('ipv4.fragment', o, IPV4.reservedFlag, 0, 'reserved flag must be 0');
      else if (f.field === 'ipv4.flags.df') {
        // A non-first fragment is one whatever its flags say; a "first fragment" with DF is a whole datagram.
        if (ip.fragmentOffset > 0) draft.set('ipv4.fragment', o, IPV4.dontFragment, 0, "a fragment cannot be marked don't-fragment");
        else draft.set('ipv4.fragment', o, IPV4.moreFragments, 0, "don't-fragment datagram: not a fragment");
      } else if (f.field === 'ipv4.flags.mf') draft.set('ipv4.fragment', o, IPV4.moreFragments, 0, 'fragment size not a multiple of 8: last fragment');
      else if (f.field === 'ipv4.fragment_offset') draft.set('ipv4.fragment', o, IPV4.fragmentOffset, 0, 'offset past the largest datagram');
    }
  },
};
