import type { Ipv4Layer, Ipv6ExtensionHeader, Ipv6Layer } from '@netsynth/core';
import { EMPTY_BYTES, be16 } from '../bytes.js';
import { formatIpv4, formatIpv6 } from './address.js';

/** A parsed network header and where the transport header and the datagram end are. */
export interface IpResult<L> {
  layer: L;
  /** Offset of the upper-layer header; undefined when it cannot be located. */
  upperOffset?: number;
  /** End of the datagram as declared by the length fields (may lie past the captured bytes). */
  declaredEnd: number;
}

/**
 * `reportedEnd` is where the frame ends on the wire (original length); a total length of 0
 * (left by TCP segmentation offload) is taken to run to it, as Wireshark does.
 */
export function dissectIpv4(d: Uint8Array, o: number, problems: string[], reportedEnd = d.length): IpResult<Ipv4Layer> {
  const avail = d.length - o;
  const b0 = d[o] ?? 0;
  const version = b0 >> 4;
  const ihl = b0 & 0x0f;
  const headerLength = ihl * 4;
  const truncated = avail < Math.max(20, headerLength);
  const totalLength = avail >= 4 ? be16(d, o + 2) : 0;
  const fragWord = avail >= 8 ? be16(d, o + 6) : 0;
  const fragmentOffset = (fragWord & 0x1fff) * 8;
  const optEnd = Math.min(o + headerLength, d.length);
  const layer: Ipv4Layer = {
    kind: 'ipv4',
    offset: o,
    headerLength,
    truncated,
    version,
    ihl,
    tos: d[o + 1] ?? 0,
    totalLength,
    identification: avail >= 6 ? be16(d, o + 4) : 0,
    reservedFlag: (fragWord & 0x8000) !== 0,
    dontFragment: (fragWord & 0x4000) !== 0,
    moreFragments: (fragWord & 0x2000) !== 0,
    fragmentOffset,
    ttl: d[o + 8] ?? 0,
    protocol: d[o + 9] ?? 0,
    checksum: avail >= 12 ? be16(d, o + 10) : 0,
    src: avail >= 16 ? formatIpv4(d, o + 12) : '',
    dst: avail >= 20 ? formatIpv4(d, o + 16) : '',
    options: o + 20 < optEnd ? d.subarray(o + 20, optEnd) : EMPTY_BYTES,
    isFragment: fragmentOffset > 0,
  };
  if (version !== 4) problems.push(`ipv4: version field is ${version}`);
  if (ihl < 5) {
    problems.push(`ipv4: IHL ${ihl} < 5`);
    return { layer, declaredEnd: d.length };
  }
  let declaredEnd = o + totalLength;
  if (avail >= 4 && totalLength === 0 && reportedEnd - o >= headerLength) {
    // 0 is what TCP segmentation offload leaves before the NIC fills it in.
    problems.push(`ipv4: total length 0, assuming TSO (length ${reportedEnd - o} from the frame)`);
    layer.totalLength = reportedEnd - o;
    declaredEnd = reportedEnd;
  } else if (avail >= 4 && totalLength < headerLength) {
    problems.push(`ipv4: total length ${totalLength} < header length ${headerLength}`);
    declaredEnd = d.length;
  }
  if (truncated || layer.isFragment) return { layer, declaredEnd };
  return { layer, upperOffset: o + headerLength, declaredEnd };
}

const EXT_HOP_BY_HOP = 0;
const EXT_ROUTING = 43;
const EXT_FRAGMENT = 44;
const EXT_AH = 51;
const EXT_DEST_OPTS = 60;
const EXT_MOBILITY = 135;
const EXT_HIP = 139;
const EXT_SHIM6 = 140;
const NO_NEXT_HEADER = 59;
const MAX_EXTENSIONS = 16;

export function isIpv6ExtensionType(t: number): boolean {
  return (
    t === EXT_HOP_BY_HOP ||
    t === EXT_ROUTING ||
    t === EXT_FRAGMENT ||
    t === EXT_AH ||
    t === EXT_DEST_OPTS ||
    t === EXT_MOBILITY ||
    t === EXT_HIP ||
    t === EXT_SHIM6
  );
}

/**
 * IPv6 with its extension-header chain. `headerLength` covers the fixed header and every
 * extension header, so the upper-layer header starts at `offset + headerLength`.
 */
export function dissectIpv6(d: Uint8Array, o: number, problems: string[]): IpResult<Ipv6Layer> {
  const avail = d.length - o;
  const w0 = avail >= 4 ? ((d[o] ?? 0) << 24) | ((d[o + 1] ?? 0) << 16) | ((d[o + 2] ?? 0) << 8) | (d[o + 3] ?? 0) : (d[o] ?? 0) << 24;
  const version = (w0 >>> 28) & 0xf;
  const payloadLength = avail >= 6 ? be16(d, o + 4) : 0;
  const nextHeader = d[o + 6] ?? 0;
  const layer: Ipv6Layer = {
    kind: 'ipv6',
    offset: o,
    headerLength: 40,
    truncated: avail < 40,
    version,
    trafficClass: (w0 >>> 20) & 0xff,
    flowLabel: w0 & 0xfffff,
    payloadLength,
    nextHeader,
    hopLimit: d[o + 7] ?? 0,
    src: avail >= 24 ? formatIpv6(d, o + 8) : '',
    dst: avail >= 40 ? formatIpv6(d, o + 24) : '',
    extensions: [],
    protocol: nextHeader,
    isFragment: false,
  };
  if (version !== 6) problems.push(`ipv6: version field is ${version}`);
  // Payload length 0 with data behind it is a jumbogram (or an offload artefact).
  let declaredEnd = o + 40 + payloadLength;
  if (payloadLength === 0 && nextHeader !== NO_NEXT_HEADER && d.length > o + 40) declaredEnd = d.length;
  if (layer.truncated) return { layer, declaredEnd };

  let type = nextHeader;
  let off = o + 40;
  const extensions: Ipv6ExtensionHeader[] = layer.extensions;
  while (isIpv6ExtensionType(type)) {
    if (extensions.length >= MAX_EXTENSIONS) {
      problems.push(`ipv6: more than ${MAX_EXTENSIONS} extension headers`);
      layer.protocol = type;
      layer.headerLength = off - o;
      return { layer, declaredEnd };
    }
    const need = type === EXT_FRAGMENT ? 8 : 2;
    if (off + need > d.length) {
      layer.truncated = true;
      layer.protocol = type;
      layer.headerLength = off - o;
      return { layer, declaredEnd };
    }
    let length: number;
    if (type === EXT_FRAGMENT) {
      length = 8;
      if ((be16(d, off + 2) & 0xfff8) > 0) layer.isFragment = true;
    } else if (type === EXT_AH) {
      length = ((d[off + 1] ?? 0) + 2) * 4;
    } else {
      length = ((d[off + 1] ?? 0) + 1) * 8;
    }
    extensions.push({ type, offset: off, length });
    type = d[off] ?? 0;
    off += length;
  }
  layer.protocol = type;
  layer.headerLength = off - o;
  if (off > d.length) {
    layer.truncated = true;
    return { layer, declaredEnd };
  }
  if (layer.isFragment || type === NO_NEXT_HEADER) return { layer, declaredEnd };
  return { layer, upperOffset: off, declaredEnd };
}
