import { hex16, ipv4HeaderVerdict, IPV4, type PacketRule } from '@netsynth/protocol-rules';
import type { Ipv4Context } from '../context.js';

export const checksumRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.checksum',
  description: 'The header checksum verifies (a NIC-offloaded 0 is accepted unless offloadedChecksums is "reject").',
  applies: (v) => v.ipv4 !== undefined && v.ipv4.version === 4 && v.ipv4.ihl >= 5,
  check(v, ctx) {
    const verdict = ipv4HeaderVerdict(v);
    if (!verdict) return [];
    if (verdict.state === 'bad' || (verdict.state === 'offloaded' && ctx.options.offloadedChecksums === 'reject')) {
      const expected = verdict.expected === undefined ? '' : `, should be ${hex16(verdict.expected)}`;
      return [
        {
          field: 'ipv4.checksum',
          message: `header checksum ${hex16(verdict.stored)}${expected}${verdict.state === 'offloaded' ? ' (left to NIC offload)' : ''}`,
        },
      ];
    }
    return [];
  },
  repair(draft) {
    const verdict = ipv4HeaderVerdict(draft.view);
    if (verdict?.expected === undefined) return;
    draft.set('ipv4.checksum', draft.view.ipOffset ?? 0, IPV4.checksum, verdict.expected, 'header checksum recomputed', hex16);
  },
};
