export {
  RECORD_FIELDS,
  DEFAULT_FORMATS,
  guessColumns,
  netshareSchema,
  resolveColumns,
  type RecordField,
  type RecordSchema,
  type ValueFormats,
} from './schema.js';
export {
  addressText,
  durationText,
  parseAddress,
  parseNumber,
  parseProtocol,
  parseTimestamp,
  protocolText,
  timeUnitOf,
  timestampText,
  type ParsedTimestamp,
  type TimeFraction,
  type TimeUnit,
} from './values.js';
export { RecordReader, readRecordHeader, readRecordSchema, type ReadRecordsOptions, type RecordRow } from './reader.js';
export { RecordCsvWriter, recordRow } from './writer.js';
export { captureRecords, recordOfFlow, recordsOfSamples, type CaptureRecordsOptions } from './from-flows.js';
export { RECORD_PATTERNS, expandRecordFiles } from './files.js';
export { loadRecordSamples, sampleOfRecord, type LoadRecordSamplesOptions, type RecordSamples } from './samples.js';
