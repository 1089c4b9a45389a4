import { hex16, TCP, transportVerdict, type PacketRule } from '@netsynth/protocol-rules';
import type { TcpContext } from '../context.js';

export const checksumRule: PacketRule<TcpContext> = {
  name: 'tcp.checksum',
  description:
    'The checksum over pseudo-header, header and payload verifies; skipped when the snap length cut the segment or it is a fragment; NIC-offloaded partial sums accepted unless offloadedChecksums is "reject".',
  applies: (v) => v.tcp !== undefined,
  check(v, ctx) {
    const verdict = transportVerdict(v);
    if (!verdict) return [];
    if (verdict.state === 'bad' || (verdict.state === 'offloaded' && ctx.options.offloadedChecksums === 'reject')) {
      const should = verdict.expected === undefined ? '' : `, should be ${hex16(verdict.expected)}`;
      return [{ field: 'tcp.checksum', message: `checksum ${hex16(verdict.stored)}${should}${verdict.state === 'offloaded' ? ' (left to NIC offload)' : ''}` }];
    }
    return [];
  },
  repair(draft) {
    const v = draft.view;
    const verdict = transportVerdict(v);
    if (!v.tcp || verdict?.expected === undefined) return;
    draft.set('tcp.checksum', v.tcp.offset, TCP.checksum, verdict.expected, 'checksum recomputed', hex16);
  },
};
