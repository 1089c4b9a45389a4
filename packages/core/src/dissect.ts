import type { Packet } from './packet.js';

/**
 * The dissected view of a packet: its layers in order, each with typed fields and
 * the byte offset of the layer inside `packet.data`. A layer cut short by the snap
 * length is present with `truncated: true` and only the fields that were captured.
 */
export interface LayerBase {
  /** Byte offset of this layer's first byte in the packet data. */
  offset: number;
  /** Header length in bytes as declared (or as parsed when nothing is declared). */
  headerLength: number;
  /** True when the captured bytes end inside this layer's header. */
  truncated: boolean;
}

export interface EthernetLayer extends LayerBase {
  kind: 'ethernet';
  src: string;
  dst: string;
  etherType: number;
  vlans: number[];
}

export interface LinuxSllLayer extends LayerBase {
  kind: 'sll';
  version: 1 | 2;
  packetType: number;
  protocol: number;
  address: string;
  interfaceIndex?: number;
}

export interface NullLoopbackLayer extends LayerBase {
  kind: 'null';
  family: number;
}

export interface Ipv4Layer extends LayerBase {
  kind: 'ipv4';
  version: number;
  ihl: number;
  tos: number;
  totalLength: number;
  identification: number;
  reservedFlag: boolean;
  dontFragment: boolean;
  moreFragments: boolean;
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
  options: Uint8Array;
  /** True when this is a non-first fragment: the transport header is not here. */
  isFragment: boolean;
}

export interface Ipv6ExtensionHeader {
  type: number;
  offset: number;
  length: number;
}

export interface Ipv6Layer extends LayerBase {
  kind: 'ipv6';
  version: number;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
  extensions: Ipv6ExtensionHeader[];
  /** Upper-layer protocol after the extension headers. */
  protocol: number;
  /** Fragment header present with offset > 0: transport header not in this packet. */
  isFragment: boolean;
}

export interface TcpOption {
  kind: number;
  length: number;
  data: Uint8Array;
}

export interface TcpLayer extends LayerBase {
  kind: 'tcp';
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  dataOffset: number;
  reserved: number;
  flags: TcpFlags;
  window: number;
  checksum: number;
  urgentPointer: number;
  options: TcpOption[];
  rawOptions: Uint8Array;
}

export interface TcpFlags {
  ns: boolean;
  cwr: boolean;
  ece: boolean;
  urg: boolean;
  ack: boolean;
  psh: boolean;
  rst: boolean;
  syn: boolean;
  fin: boolean;
  /** The 9 flag bits as one number (NS is bit 8, FIN bit 0). */
  value: number;
}

export interface UdpLayer extends LayerBase {
  kind: 'udp';
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
}

export interface IcmpLayer extends LayerBase {
  kind: 'icmp' | 'icmpv6';
  type: number;
  code: number;
  checksum: number;
  /** The 4 "rest of header" bytes as a big-endian number. */
  restOfHeader: number;
}

export type Layer = EthernetLayer | LinuxSllLayer | NullLoopbackLayer | Ipv4Layer | Ipv6Layer | TcpLayer | UdpLayer | IcmpLayer;

export type LayerKind = Layer['kind'];

export interface DissectedPacket {
  packet: Packet;
  layers: Layer[];
  /** Offset of the network-layer header (IPv4/IPv6) in packet.data, if any. */
  networkOffset?: number;
  ip?: Ipv4Layer | Ipv6Layer;
  transport?: TcpLayer | UdpLayer | IcmpLayer;
  /** Offset and length of the transport payload as declared by the headers. */
  payloadOffset?: number;
  payloadLength?: number;
  /** True when any layer was cut by the snap length. */
  truncated: boolean;
  /** Problems found while dissecting (e.g. "ipv4: IHL 3 < 5"); the packet is still returned. */
  problems: string[];
}
