import { transportChecksumRule, type PacketRule } from '@netsynth/protocol-rules';
import type { TcpContext } from '../context.js';

export const checksumRule: PacketRule<TcpContext> = transportChecksumRule(
  'tcp',
  'The checksum over pseudo-header, header and payload verifies; skipped when the snap length cut the segment or it is a fragment; NIC-offloaded partial sums accepted unless offloadedChecksums is "reject".',
  (_v, verdict) => (verdict.state === 'offloaded' ? ' (left to NIC offload)' : ''),
);
