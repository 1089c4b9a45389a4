import type { DissectedPacket, Ipv4Layer, Ipv6Layer, Layer, Packet } from '@netsynth/core';
import { dissectIpv4, dissectIpv6, type IpResult } from './ip.js';
import { dissectLink } from './link.js';
import { dissectTransport } from './transport.js';

/**
 * Dissects a packet into its layers. Never throws: malformed or cut-short headers give a
 * partial result with `truncated` and/or `problems` set.
 *
 * - `truncated` is true when a header was cut by the snap length, when the datagram's
 *   declared length runs past the captured bytes, or when `capturedLength < originalLength`.
 * - `payloadOffset/payloadLength` are the transport payload as declared by the headers
 *   (TCP: IP end − TCP header end; UDP: its length field − 8; ICMP: after the 8-byte header).
 *   For non-first fragments (no transport header here) they describe the IP payload.
 */
export function dissect(packet: Packet): DissectedPacket {
  const d = packet.data;
  const layers: Layer[] = [];
  const problems: string[] = [];
  const out: DissectedPacket = { packet, layers, truncated: packet.capturedLength < packet.originalLength, problems };

  const link = dissectLink(d, packet.linkType);
  if (link.layer) layers.push(link.layer);
  if (link.problem !== undefined) problems.push(link.problem);
  if (link.truncated) out.truncated = true;
  const o = link.networkOffset;
  if (o === undefined) return out;
  if (o >= d.length) {
    out.truncated = true;
    return out;
  }

  let version: number = link.ipVersion ?? 0;
  if (version === 0) {
    version = (d[o] ?? 0) >> 4;
    if (version !== 4 && version !== 6) {
      problems.push(`raw IP: version nibble ${version} is neither 4 nor 6`);
      return out;
    }
  }
  const ip: IpResult<Ipv4Layer | Ipv6Layer> =
    version === 4 ? dissectIpv4(d, o, problems, Math.max(d.length, packet.originalLength)) : dissectIpv6(d, o, problems);
  layers.push(ip.layer);
  out.networkOffset = o;
  out.ip = ip.layer;
  if (ip.layer.truncated || ip.declaredEnd > d.length) out.truncated = true;

  if (ip.upperOffset === undefined) {
    if (ip.layer.isFragment) {
      const start = o + ip.layer.headerLength;
      out.payloadOffset = start;
      out.payloadLength = Math.max(0, ip.declaredEnd - start);
    }
    return out;
  }
  if (ip.upperOffset >= d.length) {
    if (ip.upperOffset < ip.declaredEnd) out.truncated = true;
    return out;
  }
  const transport = dissectTransport(d, ip.layer.protocol, ip.upperOffset, ip.declaredEnd, problems);
  if (!transport) return out;
  layers.push(transport.layer);
  out.transport = transport.layer;
  if (transport.layer.truncated) out.truncated = true;
  if (transport.payloadOffset !== undefined) {
    out.payloadOffset = transport.payloadOffset;
    out.payloadLength = transport.payloadLength ?? 0;
  }
  return out;
}

/** Where the IP header starts in the packet, for any supported link type. */
export function ipDatagram(packet: Packet): { bytes: Uint8Array; offset: number } | undefined {
  const link = dissectLink(packet.data, packet.linkType);
  const o = link.networkOffset;
  if (o === undefined || o >= packet.data.length) return undefined;
  if (link.ipVersion === 0) {
    const v = (packet.data[o] ?? 0) >> 4;
    if (v !== 4 && v !== 6) return undefined;
  }
  return { bytes: packet.data, offset: o };
}
