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

/**
 * A frame is never shorter on the wire than what was captured of it: an original length
 * below the captured length is the length field that is wrong (the bytes are there).
 */
export const frameLengthRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.frame_length',
  description: "The frame's on-the-wire length is at least its captured length.",
  applies: (v) => v.ipOffset !== undefined,
  check(v) {
    const p = v.packet;
    if (p.originalLength >= p.data.length) return [];
    return [{ field: 'frame.length', message: `frame length ${p.originalLength} is shorter than the ${p.data.length} bytes captured` }];
  },
  repair(draft) {
    draft.setOriginalLength('ipv4.frame_length', draft.bytes.length, 'frame length raised to the bytes captured');
  },
};

export const totalLengthRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.total_length',
  description: 'Total length covers at least the header, at most the bytes on the wire, and any bytes after it are link-layer padding or FCS.',
  applies: (v) => v.ipv4 !== undefined && v.ipv4.version === 4 && v.ipv4.ihl >= 5 && v.capturedIpLength >= 4,
  check(v) {
    const problem = totalLengthProblem(v);
    return problem ? [{ field: 'ipv4.total_length', message: problem }] : [];
  },
  repair(draft) {
    const rule = 'ipv4.total_length';
    const v = draft.view;
    const ip = v.ipv4;
    const o = v.ipOffset ?? 0;
    if (ip && v.cut && ip.totalLength >= ip.ihl * 4 && ip.totalLength < v.wireIpLength && o + ip.totalLength <= draft.bytes.length) {
      // The datagram the header declares was captured whole; only the frame length claims
      // more, uncaptured, bytes: that length is the odd one out (one field, no checksum moves).
      draft.setOriginalLength(rule, draft.bytes.length, 'frame length cut to the captured bytes: the declared datagram is complete');
      return;
    }
    if (v.wireIpLength > 0xffff) {
      // More bytes than any datagram can hold: cut the frame (captured and on the wire) to the largest one.
      const keep = o + 0xffff;
      if (draft.bytes.length > keep)
        draft.splice(rule, 'frame.bytes', keep, draft.bytes.length - keep, new Uint8Array(0), 'bytes beyond the largest possible datagram removed');
      draft.setOriginalLength(rule, keep, 'frame cut to the largest possible datagram');
    }
    draft.set(rule, o, IPV4.totalLength, Math.min(0xffff, draft.view.wireIpLength), 'total length set to the datagram bytes on the wire');
  },
};
