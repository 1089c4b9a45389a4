/**
 * Growing or shrinking an IP datagram in a draft: the repair for "shorter than the smallest
 * valid segment" and for option areas that change size. The length field (IPv4 total length,
 * IPv6 payload length) follows, link-layer padding after the datagram is dropped (it would no
 * longer be padding), and the frame becomes whole (captured = original length).
 */
import { IPV4, IPV6, TCP } from './fields.js';
import type { PacketDraft } from './draft.js';

/** Current datagram length as the draft's bytes hold it (declared length, or captured bytes). */
export function datagramLength(draft: PacketDraft): number | undefined {
  const v = draft.view;
  const o = v.ipOffset;
  if (o === undefined) return undefined;
  if (v.ipv4) return v.ipv4.totalLength >= v.ipv4.ihl * 4 ? v.ipv4.totalLength : v.capturedIpLength;
  if (v.ipv6) return 40 + v.ipv6.payloadLength;
  return undefined;
}

/**
 * Makes the datagram `newLength` bytes long: bytes are cut from or zero bytes added at its
 * end, the length field is set, trailing link padding is removed.
 */
export function resizeDatagram(draft: PacketDraft, rule: string, newLength: number, reason: string): boolean {
  const v = draft.view;
  const o = v.ipOffset;
  const current = datagramLength(draft);
  if (o === undefined || current === undefined) return false;
  const end = o + current;
  const present = Math.min(end, draft.bytes.length);
  // Drop link padding after the datagram first, then grow/cut the datagram itself.
  if (draft.bytes.length > present)
    draft.splice(rule, 'frame.padding', present, draft.bytes.length - present, new Uint8Array(0), 'link padding after the datagram removed');
  const have = present - o;
  if (newLength > have) draft.splice(rule, 'ip.payload', present, 0, new Uint8Array(newLength - have), `${reason}: ${newLength - have} zero bytes appended`);
  else if (newLength < have)
    draft.splice(rule, 'ip.payload', o + newLength, have - newLength, new Uint8Array(0), `${reason}: ${have - newLength} bytes removed`);
  draft.setOriginalLength(rule, draft.bytes.length, reason);
  if (v.ipv4) draft.set(rule, o, IPV4.totalLength, newLength, reason);
  else draft.set(rule, o, IPV6.payloadLength, newLength - 40, reason);
  return true;
}

/**
 * Replaces a TCP segment's option area (a multiple of 4 bytes, at most 40): the data offset and
 * the IP length follow, the payload moves with the header.
 */
export function replaceTcpOptions(draft: PacketDraft, rule: string, area: Uint8Array, reason: string): boolean {
  const v = draft.view;
  const t = v.tcp;
  const o = v.ipOffset;
  if (!t || o === undefined || area.length % 4 !== 0 || area.length > 40 || t.dataOffset < 5) return false;
  const old = t.dataOffset * 4 - 20;
  const delta = area.length - old;
  draft.splice(rule, 'tcp.options', t.offset + 20, old, area, reason);
  draft.set(rule, t.offset, TCP.dataOffset, 5 + area.length / 4, reason);
  if (v.ipv4) draft.set(rule, o, IPV4.totalLength, v.ipv4.totalLength + delta, reason);
  else if (v.ipv6) draft.set(rule, o, IPV6.payloadLength, v.ipv6.payloadLength + delta, reason);
  return true;
}
