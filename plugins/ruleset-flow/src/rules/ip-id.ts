/**
 * IPv4 identification per direction: consecutive datagrams a sub-flow direction sends that
 * could be fragmented (DF clear) must not share a non-zero identification unless they are the
 * same datagram sent again (RFC 6864; 0 is what DHCP clients and routers' ICMP errors use, so
 * it is left alone). A repeat is repaired by continuing the direction's counter.
 */
import { IPV4, subflowsOf, type PacketView } from '@netsynth/protocol-rules';
import type { SampleWalk } from '../walk.js';

const nonAtomic = (v: PacketView): boolean => {
  const ip = v.ipv4;
  return ip !== undefined && !ip.dontFragment && !ip.moreFragments && ip.fragmentOffset === 0 && !ip.truncated;
};

function sameDatagram(a: PacketView, b: PacketView): boolean {
  const x = a.packet.data.subarray(a.ipOffset ?? 0);
  const y = b.packet.data.subarray(b.ipOffset ?? 0);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

export function checkIpIds(walk: SampleWalk): void {
  for (const s of subflowsOf(walk.views)) {
    const last: [PacketView | undefined, PacketView | undefined] = [undefined, undefined];
    s.indices.forEach((i, k) => {
      const dir = s.directions[k] ?? 0;
      const v = walk.view(i);
      if (!nonAtomic(v) || !v.ipv4) return;
      const prev = last[dir];
      const id = v.ipv4.identification;
      if (prev?.ipv4 && id !== 0 && prev.ipv4.identification === id && !sameDatagram(prev, v)) {
        walk.report('flow.ipv4.id', 'ipv4.identification', i, `identification ${id} repeats the previous datagram's in this direction`);
        const next = (prev.ipv4.identification + 1) & 0xffff || 1;
        walk.fix(i, (draft) =>
          draft.set('flow.ipv4.id', draft.view.ipOffset ?? 0, IPV4.identification, next, "continues the direction's identification counter"),
        );
      }
      last[dir] = walk.view(i);
    });
  }
}
