import { LinkType, type EthernetLayer, type Layer, type LinuxSllLayer, type NullLoopbackLayer } from '@netsynth/core';
import { be16, be32, le32 } from '../bytes.js';
import { formatMac } from './address.js';

const SUPPORTED = new Set<number>(Object.values(LinkType));

export function isSupportedLinkType(linkType: number): boolean {
  return SUPPORTED.has(linkType);
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TPIDS = new Set([0x8100, 0x88a8, 0x9100, 0x9200]);
const MAX_VLAN_TAGS = 8;

/** What the link layer says comes next. */
export interface LinkResult {
  layer?: Layer;
  /** Offset of the network header, when the link layer carries IPv4 or IPv6. */
  networkOffset?: number;
  /** 4 or 6 when known from the link layer; 0 = look at the version nibble. */
  ipVersion?: 0 | 4 | 6;
  problem?: string;
  truncated?: boolean;
}

function fromEtherType(etherType: number, offset: number): Pick<LinkResult, 'networkOffset' | 'ipVersion'> {
  if (etherType === ETHERTYPE_IPV4) return { networkOffset: offset, ipVersion: 4 };
  if (etherType === ETHERTYPE_IPV6) return { networkOffset: offset, ipVersion: 6 };
  return {};
}

/** Parses the link-layer header of `d` for `linkType`. */
export function dissectLink(d: Uint8Array, linkType: number): LinkResult {
  switch (linkType) {
    case LinkType.ETHERNET:
      return ethernet(d);
    case LinkType.RAW:
    case LinkType.RAW_BSD:
    case LinkType.RAW_OPENBSD:
      return { networkOffset: 0, ipVersion: 0 };
    case LinkType.IPV4:
      return { networkOffset: 0, ipVersion: 4 };
    case LinkType.IPV6:
      return { networkOffset: 0, ipVersion: 6 };
    case LinkType.LINUX_SLL:
      return sll(d);
    case LinkType.LINUX_SLL2:
      return sll2(d);
    case LinkType.NULL:
    case LinkType.LOOP:
      return nullLoopback(d);
    default:
      return { problem: `link type ${linkType} is not supported` };
  }
}

function ethernet(d: Uint8Array): LinkResult {
  if (d.length < 14) {
    const layer: EthernetLayer = {
      kind: 'ethernet',
      offset: 0,
      headerLength: 14,
      truncated: true,
      dst: d.length >= 6 ? formatMac(d, 0) : '',
      src: d.length >= 12 ? formatMac(d, 6) : '',
      etherType: 0,
      vlans: [],
    };
    return { layer, truncated: true };
  }
  let o = 12;
  let etherType = be16(d, o);
  const vlans: number[] = [];
  let truncated = false;
  let problem: string | undefined;
  while (VLAN_TPIDS.has(etherType)) {
    if (vlans.length >= MAX_VLAN_TAGS) {
      problem = `ethernet: more than ${MAX_VLAN_TAGS} VLAN tags`;
      break;
    }
    if (o + 6 > d.length) {
      truncated = true;
      break;
    }
    vlans.push(be16(d, o + 2) & 0x0fff);
    o += 4;
    etherType = be16(d, o);
  }
  const headerLength = o + 2;
  const layer: EthernetLayer = { kind: 'ethernet', offset: 0, headerLength, truncated, dst: formatMac(d, 0), src: formatMac(d, 6), etherType, vlans };
  if (truncated || problem !== undefined) return { layer, truncated, ...(problem !== undefined && { problem }) };
  return { layer, ...fromEtherType(etherType, headerLength) };
}

function sll(d: Uint8Array): LinkResult {
  const truncated = d.length < 16;
  const addrLen = Math.min(be16(d, 4), 8);
  const layer: LinuxSllLayer = {
    kind: 'sll',
    version: 1,
    offset: 0,
    headerLength: 16,
    truncated,
    packetType: be16(d, 0),
    protocol: truncated ? 0 : be16(d, 14),
    address: d.length >= 6 + addrLen ? formatMac(d, 6, addrLen) : '',
  };
  if (truncated) return { layer, truncated };
  return { layer, ...fromEtherType(layer.protocol, 16) };
}

function sll2(d: Uint8Array): LinkResult {
  const truncated = d.length < 20;
  const addrLen = Math.min(d[11] ?? 0, 8);
  const layer: LinuxSllLayer = {
    kind: 'sll',
    version: 2,
    offset: 0,
    headerLength: 20,
    truncated,
    protocol: d.length >= 2 ? be16(d, 0) : 0,
    interfaceIndex: d.length >= 8 ? be32(d, 4) : 0,
    packetType: d[10] ?? 0,
    address: d.length >= 12 + addrLen ? formatMac(d, 12, addrLen) : '',
  };
  if (truncated) return { layer, truncated };
  return { layer, ...fromEtherType(layer.protocol, 20) };
}

/**
 * BSD loopback: a 4-byte address family, in the capturing host's byte order for
 * DLT_NULL and (in theory) network order for DLT_LOOP; in practice both appear in both
 * orders, so the order is taken from which reading gives a small number.
 */
function nullLoopback(d: Uint8Array): LinkResult {
  if (d.length < 4) {
    const layer: NullLoopbackLayer = { kind: 'null', offset: 0, headerLength: 4, truncated: true, family: 0 };
    return { layer, truncated: true };
  }
  const bigEndian = be32(d, 0);
  const family = bigEndian < 0x10000 ? bigEndian : le32(d, 0);
  const layer: NullLoopbackLayer = { kind: 'null', offset: 0, headerLength: 4, truncated: false, family };
  if (family === 2) return { layer, networkOffset: 4, ipVersion: 4 };
  // AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS) or 10 (Linux).
  if (family === 24 || family === 28 || family === 30 || family === 10) return { layer, networkOffset: 4, ipVersion: 6 };
  return { layer };
}
