/** Ports consistent with TCP (NetShare's validity test 3). */
import { portProblem, TCP, type PacketRule } from '@netsynth/protocol-rules';
import { towards, type TcpContext } from '../context.js';

const EPHEMERAL_LOW = 32768;
const EPHEMERAL_COUNT = 28232; // Linux ip_local_port_range 32768..60999

export const portsRule: PacketRule<TcpContext> = {
  name: 'tcp.ports',
  description: 'No port 0; no UDP-only service port (DNS excepted, it runs on both) as a TCP port.',
  applies: (v) => v.tcp !== undefined && v.capturedIpLength >= (v.ipv4?.ihl ?? 10) * 4 + 4,
  check(v) {
    const t = v.tcp;
    if (!t) return [];
    const p = portProblem('tcp', t.srcPort, t.dstPort);
    return p ? [{ field: `tcp.${p.field}`, message: p.message }] : [];
  },
  repair(draft, _f, ctx) {
    const v = draft.view;
    const t = v.tcp;
    const ip = v.ipv4 ?? v.ipv6;
    if (!t || !ip) return;
    const p = portProblem('tcp', t.srcPort, t.dstPort);
    if (!p) return;
    const src = p.field === 'src_port';
    const [owner, peer] = src ? [ip.src, ip.dst] : [ip.dst, ip.src];
    const good = (port: number): boolean => (src ? portProblem('tcp', port, t.dstPort) : portProblem('tcp', t.srcPort, port)) === undefined;
    const inSample = ctx.portsTowards.get(towards(owner, peer))?.closest(() => 0, good);
    let port = inSample;
    let reason = 'the port this endpoint uses elsewhere in the sample';
    if (port === undefined && !src) {
      port = ctx.values.hist((pr) => pr.tcpServicePorts).closest(() => 0, good);
      reason = 'most common learned TCP service port';
    }
    if (port === undefined) {
      port = EPHEMERAL_LOW + (ctx.rng ? ctx.rng.int(EPHEMERAL_COUNT) : draft.index % EPHEMERAL_COUNT);
      reason = 'an ephemeral port';
    }
    draft.set('tcp.ports', t.offset, src ? TCP.srcPort : TCP.dstPort, port, `${p.message}; replaced by ${reason}`);
  },
};
