/**
 * One TTL per direction of a TCP connection: every packet of a direction crosses the same
 * routers, so its TTL (IPv6 hop limit) stays within ±2 of the direction's usual value (route
 * changes move it by a hop or two). SYN and SYN-ACK are left out: SYN proxies and load
 * balancers answer handshakes themselves, with their own TTL (weather_*.pcapng shows one).
 * Generated samples that fill TTL with random bits fail this.
 * Repair: every outlier takes the direction's usual value — or, when that value is itself
 * implausible (nothing learned has it, or it is below 16 with nothing learned), the most
 * common learned TTL.
 */
import { Histogram, IPV4, IPV6, subflowsOf, type PacketView } from '@netsynth/protocol-rules';
import type { FlowContext } from '../context.js';
import type { SampleWalk } from '../walk.js';

const TOLERANCE = 2;
const ttlOf = (v: PacketView): number | undefined => v.ipv4?.ttl ?? v.ipv6?.hopLimit;

export function checkTtl(walk: SampleWalk, ctx: FlowContext): void {
  for (const s of subflowsOf(walk.views)) {
    if (s.protocol !== 6) continue;
    for (const dir of [0, 1] as const) {
      const members = s.indices.filter((i, k) => s.directions[k] === dir && !(walk.view(i).tcp?.flags.syn ?? false));
      const h = new Histogram<number>();
      for (const i of members) {
        const t = ttlOf(walk.view(i));
        if (t !== undefined) h.add(t);
      }
      const usual = h.mode();
      if (usual === undefined || h.size === 1) continue;
      const learned = ctx.values.hist((p) => (walk.view(members[0] ?? 0).ipv6 ? p.hopLimit : p.ttl));
      const plausible = ctx.values.learned.learnedPackets > 0 ? ctx.values.learned.ttl.has(usual) || ctx.values.learned.hopLimit.has(usual) : usual >= 16;
      const target = plausible ? usual : (learned.mode() ?? 64);
      for (const i of members) {
        const t = ttlOf(walk.view(i));
        if (t === undefined || Math.abs(t - usual) <= TOLERANCE) continue;
        walk.report('flow.ip.ttl', walk.view(i).ipv6 ? 'ipv6.hop_limit' : 'ipv4.ttl', i, `TTL ${t} but this direction of the connection uses ${usual}`);
      }
      if (!walk.repairing) continue;
      for (const i of members) {
        const t = ttlOf(walk.view(i));
        if (t === undefined || Math.abs(t - target) <= TOLERANCE) continue;
        walk.fix(i, (dr) => {
          const o = dr.view.ipOffset ?? 0;
          dr.set(
            'flow.ip.ttl',
            o,
            dr.view.ipv6 ? IPV6.hopLimit : IPV4.ttl,
            target,
            plausible ? 'the TTL this direction of the connection uses' : "most common learned TTL: this direction's values are implausible",
          );
        });
      }
    }
  }
}
