export { readBits, writeBits, be16, be32, setBe16, bitDistance, seqDiff, seqAdd } from './bits.js';
export { IPV4, IPV6, TCP, TCP_FLAG, UDP, ICMP, getField, putField, fieldCaptured, flagNames, type HeaderField } from './fields.js';
export { viewOf, viewsOf, ipEnd, segmentLength, isFragment, isRawIpLink, tcpPayloadLength, addressesOf, type PacketView } from './view.js';
export {
  ipv4HeaderVerdict,
  transportVerdict,
  transportSpan,
  isOffloadedPartial,
  computeTransportChecksum,
  onesSum,
  fold16,
  type ChecksumState,
  type ChecksumVerdict,
  type TransportSpan,
} from './checksums.js';
export { PacketDraft, hex16, type RepairLog } from './draft.js';
export { datagramLength, resizeDatagram, replaceTcpOptions } from './datagram.js';
export { Histogram, NumericSample, type HistogramKey } from './distribution.js';
export { TrafficProfile, ValueSource, segmentRole, type SegmentRole } from './profile.js';
export {
  TCPOPT,
  KNOWN_TCP_OPTION_KINDS,
  TCP_OPTION_LENGTHS,
  OPTION_NAMES,
  SYN_ONLY_OPTIONS,
  optionField,
  parseTcpOptions,
  encodeTcpOptions,
  optionsForLayout,
  layoutOf,
  mssValue,
  wscaleValue,
  timestampValues,
  sackBlocks,
  u16Bytes,
  u32Bytes,
  type LengthRule,
  type LayoutValues,
  type OptionProblem,
  type OptionSpec,
  type ParsedTcpOption,
  type TcpOptionsParse,
} from './tcp-options.js';
export {
  parseIpv4,
  formatIpv4Number,
  invalidAddressReason,
  isThisNetwork,
  isLoopback,
  isMulticast,
  isLimitedBroadcast,
  isReservedClassE,
  type AddressRole,
} from './addresses.js';
export { TCP_ONLY_SERVICE_PORTS, UDP_ONLY_SERVICE_PORTS, portProblem, type PortTransport } from './ports.js';
export { subflowsOf, type Subflow } from './subflows.js';
export { PacketRuleset, type Finding, type PacketRule, type PacketRulesetSpec } from './ruleset.js';
export {
  RULESET_ORDER,
  sortRulesets,
  checkAll,
  repairAll,
  countByRule,
  type ChainCheck,
  type ChainRepair,
  type RepairOptions,
  type UnrepairableEntry,
  type UnrepairablePolicy,
} from './chain.js';
export {
  DEFAULT_CHUNK_PACKETS,
  packetChunks,
  checkStream,
  type ViolationCounts,
  type StreamChainOptions,
  type StreamChainSummary,
  type StreamRepairOptions,
  type StreamRepairSummary,
} from './stream.js';
export { buildTcpPacket, buildUdpPacket, buildIcmpPacket, type Ipv4Spec, type TcpSpec, type UdpSpec, type IcmpSpec } from './builders.js';
export { LearningRuleset, type LearningRulesetSpec } from './learning-ruleset.js';
export {
  transportBytes,
  minHeaderRule,
  transportPortsRule,
  transportChecksumRule,
  portsTowardsOf,
  towards,
  type PortsContext,
  type ChecksumContext,
} from './transport-rules.js';
export { bump, distinct, mode, draw, nearest, hamming16, type Counts } from './counts.js';
export { parseDns, buildDns, ednsLayout, ednsOptionsOf, type DnsMessage, type DnsQuestion, type DnsAnswer } from './dns.js';
export { newDnsState, dnsPayload, type DnsState } from './dns-flow.js';
export {
  PROFILE_OPTIONS,
  learnProfiles,
  learnSample,
  finishProfile,
  optionSetKey,
  optionSetOf,
  type ProfileOption,
  type ClassProfile,
  type ProtocolProfile,
  type DirectionProfile,
  type DnsProfile,
} from './class-profile.js';
