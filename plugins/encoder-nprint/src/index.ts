import { definePlugin, parsePluginOptions } from '@netsynth/core';
import { ENCODER_NAME, NprintEncoder } from './encoder.js';
import { nprintFormats } from './formats.js';
import { nprintOptionsSchema, type NprintOptions } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { NprintEncoder, ENCODER_NAME, formatRepairSummary, ipOfAnyLinkType, type EncodeReport, type NprintDecodedSample } from './encoder.js';
export {
  repairRow,
  rowShape,
  type RowChange,
  type RowRepairOptions,
  type RowRepairResult,
  type RowShape,
  type ShapeOptions,
  type Transport,
} from './repair-row.js';
export { applyConversation, ConversationPlanner, IdContinuation, nearestDirection, type ConversationMode, type ConversationPlan } from './conversation.js';
export { idStepFitsCounter, IdDirections, MAX_COUNTER_STEP } from './ip-id.js';
export { RowStats, RowStatsLearner, ROW_STATS_KIND, type FieldStat, type RowStatsData } from './row-stats.js';
export { FIELD_DEFAULTS, fillField, type FillReason } from './field-fill.js';
export {
  DEFAULT_IPV4_LAYOUTS,
  DEFAULT_TCP_LAYOUTS,
  describeLayout,
  layoutTemplate,
  nearestLayout,
  parseOptionArea,
  type LayoutCandidate,
  type OptionLayout,
} from './option-layouts.js';
export { nprintOptionsSchema, type NprintOptions, type NprintOptionsInput } from './options.js';
export { nprintFormats, type ParseNprintOptions } from './formats.js';
export { learnRowStats } from './learn-file.js';
export {
  buildLayout,
  HEADER_FIELDS,
  HEADER_BLOCK_BYTES,
  isBitColumnName,
  nonAddressColumns,
  selectionForColumns,
  NETDIFFUSION_LAYOUT,
  NETDIFFUSION_SELECTION,
  NETDIFFUSION_IMAGE_COLUMNS,
  NPRINT_COLUMNS,
  NPRINT_INDEX_COLUMN,
  type FieldSpec,
  type HeaderKey,
  type HeaderSelection,
  type LayoutBlock,
  type NprintLayout,
} from './layout.js';
export type { BitValue } from './bits.js';
export { ipDatagramToBits, type IpBitsResult, type SkipCode } from './ip-to-bits.js';
export { bitsToIpDatagram, type RowDecodeResult } from './bits-to-ip.js';
export { ipBytesForNprint, type IpLocator } from './locate-ip.js';
export { emptyTable, expandRow, mapTableToLayout, selectColumns, tableRow, NPRINT_EXTRA_COLUMNS, type NprintTable, type TableMapping } from './table.js';
export { formatNprintCsv, parseNprintCsv, readNprintCsv, writeNprintCsv } from './csv.js';
export { NprintCsvFormatter, NprintCsvWriter, type NprintCsvHeader } from './csv-writer.js';
export { writePacketsAsNprintCsv, type NprintCsvStreamOptions, type NprintCsvStreamResult } from './csv-capture.js';
export {
  isRowRepairReport,
  packetsToRows,
  rowsToPackets,
  type PacketsToRowsOptions,
  type PacketsToRowsResult,
  type RowsToPacketsOptions,
  type RowsToPacketsResult,
  type RowMode,
  type RowRepair,
  type RowRepairSettings,
  type RowRepairSummary,
  type SkippedPacket,
} from './rows.js';
export {
  BIT_COLOURS,
  imageColumnsOf,
  imageToRows,
  rowsToImage,
  snapImage,
  snapPixel,
  NETDIFFUSION_IMAGE_HEIGHT,
  type ImageToRowsOptions,
  type SnapMode,
} from './image.js';
export { decodePng, encodePng, readPng, writePng } from './png.js';
export { DEFAULT_IAT_MAX_US, gapsUs, iatToUnit, timestampsFromGaps, unitToIat } from './iat.js';
export { AddressFiller, type AddressFillOptions, type AddressPair } from './addresses.js';
export { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './address-text.js';
export { cellFromOnehot, cellFromSigned, channelCount, type TensorFormat, type TensorShape } from './tensor.js';

const plugin = definePlugin({
  name: ENCODER_NAME,
  kind: 'encoder',
  version: pkg.version,
  description: 'nPrint bit rows (NetDiffusion-compatible CSV and 1088×1024 images) as one-hot or signed tensors with inter-arrival times',
  options: nprintOptionsSchema,
  formats: nprintFormats((raw): NprintOptions => parsePluginOptions(plugin, raw, '--options')),
  create: (options, ctx) => new NprintEncoder(options, { seed: ctx.seed }),
});
export default plugin;
