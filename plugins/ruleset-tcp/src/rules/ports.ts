/** Ports consistent with TCP (NetShare's validity test 3); the logic is shared with UDP's. */
import { transportPortsRule, type PacketRule } from '@netsynth/protocol-rules';
import type { TcpContext } from '../context.js';

export const portsRule: PacketRule<TcpContext> = transportPortsRule(
  'tcp',
  'No port 0; no UDP-only service port (DNS excepted, it runs on both) as a TCP port.',
);
