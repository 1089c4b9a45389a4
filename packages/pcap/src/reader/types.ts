import type { ProgressReporter } from '@netsynth/core';

/** Damage found after the first packets: the packets before it are kept and reading stops. */
export interface CaptureWarning {
  file: string;
  /** Byte offset in the file of the record or block where the problem starts. */
  offset: number;
  message: string;
}

export type CaptureFormat = 'pcap' | 'pcapng';

export interface ReadCaptureOptions {
  onWarning?: (warning: CaptureWarning) => void;
  progress?: ProgressReporter;
  signal?: AbortSignal;
  /**
   * Also yield packets whose link type the dissector does not know (802.11, USB...).
   * Default false: they are counted in `skippedByLinkType` and skipped.
   */
  includeUnsupportedLinkTypes?: boolean;
  /**
   * Hand out each packet's `data` as a view into the reader's buffer instead of a copy:
   * valid only until the next batch is read (keep nothing from a packet once the next one
   * is pulled). For one-pass consumers (inspect, CSV export) that keep no packet: saves
   * the copy and its garbage. Default false: every packet owns its bytes.
   */
  transientData?: boolean;
  /** Read size in bytes (default 1 MiB); memory use is about one chunk. */
  chunkSize?: number;
}

/** Largest record the reader accepts: anything larger is a corrupt length field. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
