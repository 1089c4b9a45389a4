// Reading
export { CaptureReader, readCapture, readCaptureAll, type CaptureContents } from './reader/capture-reader.js';
export { MAX_RECORD_BYTES, type CaptureFormat, type CaptureWarning, type ReadCaptureOptions } from './reader/types.js';

// Dissection
export { dissect, ipDatagram } from './dissect/dissect.js';
export { ipLength } from './dissect/ip-length.js';
export { isSupportedLinkType } from './dissect/link.js';
export { formatIpv4, formatIpv6, formatMac, parseMac } from './dissect/address.js';
export { tcpFlagsOf, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP } from './dissect/transport.js';

// Checksums
export {
  internetChecksum,
  ipv4HeaderChecksum,
  transportChecksum,
  recomputeChecksums,
  recomputeChecksumsDetailed,
  verifyChecksums,
  type ChecksumRecomputation,
  type ChecksumVerdict,
  type TransportChecksumStatus,
} from './checksum.js';

// Writing
export { PcapWriter, writePcap, type PcapWriterOptions } from './writer/pcap-writer.js';
export { toEthernet, toRawIp, type EthernetAddresses } from './writer/convert.js';

// Flows and samples
export { FlowAssembler, assembleFlows, compareFlows, windowFlow, type FlowAssemblerOptions, type FlowAssemblerStats } from './flows/assembler.js';
export { endpointsKeyOf, endpointsOf, fragmentOf, type FragmentInfo, type PacketEndpoints } from './flows/flow-key.js';
export { labelForCapture, type LabelsConfig } from './flows/labels.js';
export { DEFAULT_MAX_OPEN_PACKETS, expandCaptures, flowOfSampleId, loadSamples, type InputConfig, type LoadSamplesOptions } from './flows/samples.js';
export { expandInputFiles, type InputFileKind } from './input-files.js';

// Inspection
export { summarizeCapture, type CaptureSummary, type ProtocolCounts, type SummarizeOptions } from './summarize.js';
export { countTruncation, emptyTruncationCounts, snapCutOf, type SnapCut, type TruncationCounts } from './truncation.js';
