import type { DecodeProblem } from './contracts.js';
import type { JsonObject } from './json.js';
import type { Packet } from './packet.js';

/**
 * A file format a plugin contributes through its definition (`formats`), so that the
 * `netsynth encode --format NAME` and `netsynth decode FILE` commands can use it without
 * knowing the plugin: e.g. the nPrint encoder's CSV and its NetDiffusion pictures.
 */
export interface PluginFileFormat {
  /** Short name used by `--format` (e.g. "csv"). */
  readonly name: string;
  readonly description: string;
  /** Lower-case file extensions with their dot, e.g. [".nprint", ".csv"]: how `decode FILE` finds the format. */
  readonly extensions: readonly string[];
  /**
   * Packets of a capture → a file of this format (`netsynth encode --format NAME`). The
   * packets come in batches, in capture order, as the capture is read; their bytes may be
   * borrowed from the reader's buffer (valid until the next batch), so a writer streams and
   * keeps no packet: memory stays flat on gigabyte captures.
   */
  write?(packets: AsyncIterable<readonly Packet[]>, out: string, options: FormatWriteOptions): Promise<FormatWriteReport>;
  /** A file of this format → packets (`netsynth decode FILE`). */
  read?(file: string, options: FormatReadOptions): Promise<FormatReadResult>;
  /** A file of this format → a file of another format of the same plugin (`decode FILE --format NAME`). */
  convert?(file: string, out: string, to: string, options: FormatReadOptions): Promise<FormatWriteReport>;
}

export interface FormatWriteOptions {
  /** Replace an existing output. */
  force: boolean;
  /** Keep the first N records (0 or absent: all). */
  maxRecords?: number;
  /** Add a column of times relative to the previous record. */
  relativeTimestamps?: boolean;
}

export interface FormatWriteReport {
  /** Records (rows) written. */
  records: number;
  /** Columns per record, where the format has columns. */
  columns?: number;
  /** Packets left out, counted by reason code. */
  skipped: Record<string, number>;
  /** Packets read (a writer may stop reading once maxRecords records are written). */
  packets?: number;
  /** Records of packets whose headers the snap length cut: written with what was captured, the rest marked absent. */
  truncated?: number;
}

export interface FormatReadOptions {
  /** Raw plugin options (`--options`, `--rows`), validated by the plugin against its own schema. */
  options: Record<string, unknown>;
  /** Seed for the choices the decoder makes (addresses, repair fills). */
  seed: number;
  /** A real capture or a file of the plugin's formats to learn fill-in values from (`--learn`). */
  learn?: string;
  /** Replace an existing output (convert). */
  force: boolean;
}

export interface FormatReadResult {
  packets: Packet[];
  /** Link type of the packets (pcap LINKTYPE_*). */
  linkType: number;
  problems: DecodeProblem[];
  /** Counts of what the decoder did (e.g. a row repair mode), for JSON reports. */
  report?: JsonObject;
}

/** The format among `formats` that reads files with this extension (lower-cased, with dot). */
export function formatForExtension(formats: readonly PluginFileFormat[] | undefined, ext: string): PluginFileFormat | undefined {
  const e = ext.toLowerCase();
  return formats?.find((f) => f.extensions.includes(e));
}
