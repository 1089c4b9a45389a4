/** Total length against the header and the bytes on the wire. */
import { LinkType } from '@netsynth/core';
import { IPV4, type PacketRule, type PacketView } from '@netsynth/protocol-rules';
import type { Ipv4Context } from '../context.js';

/**
 * Bytes after the datagram that the link layer explains: Ethernet pads frames to 60 bytes
 * (64 with the FCS) and some captures keep the 4-byte FCS on every frame.
 */
function explainedTrailer(v: PacketView, trailer: number): boolean {
  if (trailer === 0) return true;
  if (v.packet.linkType !== LinkType.ETHERNET) return false;
  const eth = v.dp.layers[0];
  const vlanBytes = eth?.kind === 'ethernet' ? eth.vlans.length * 4 : 0;
  if (v.packet.originalLength <= 64 + vlanBytes) return true;
  return trailer === 4;
}

export function totalLengthProblem(v: PacketView): string | undefined {
  const ip = v.ipv4;
  if (!ip) return undefined;
  const header = ip.ihl * 4;
  if (ip.totalLength < header) return `total length ${ip.totalLength} is shorter than the ${header}-byte header`;
  if (ip.totalLength > v.wireIpLength) return `total length ${ip.totalLength} but only ${v.wireIpLength} bytes of datagram on the wire`;
  const trailer = v.wireIpLength - ip.totalLength;
  if (!explainedTrailer(v, trailer)) return `total length ${ip.totalLength} leaves ${trailer} unexplained bytes after the datagram`;
  return undefined;
}

export const totalLengthRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.total_length',
  description: 'Total length covers at least the header, at most the bytes on the wire, and any bytes after it are link-layer padding or FCS.',
  applies: (v) => v.ipv4 !== undefined && v.ipv4.version === 4 && v.ipv4.ihl >= 5 && v.capturedIpLength >= 4,
  check(v) {
    const problem = totalLengthProblem(v);
    return problem ? [{ field: 'ipv4.total_length', message: problem }] : [];
  },
  repair(draft) {
    const v = draft.view;
    const o = v.ipOffset ?? 0;
    const target = Math.min(0xffff, v.wireIpLength);
    draft.set('ipv4.total_length', o, IPV4.totalLength, target, 'total length set to the datagram bytes on the wire');
    if (v.wireIpLength > 0xffff) {
      // More bytes than any datagram can hold: cut the frame to the datagram.
      const keep = o + 0xffff;
      draft.splice('ipv4.total_length', 'frame.bytes', keep, draft.bytes.length - keep, new Uint8Array(0), 'bytes beyond the largest possible datagram removed');
      draft.setOriginalLength('ipv4.total_length', draft.bytes.length, 'frame cut to the datagram');
    }
  },
};
