/**
 * Typed errors. Every failure a user can cause (bad capture, bad config, corrupt model)
 * is one of these, so callers can tell them apart by `code` and point at the culprit
 * (file + byte offset, or config path) without parsing messages.
 */
export type NetsynthErrorCode =
  | 'PCAP_FORMAT'
  | 'PCAP_TRUNCATED'
  | 'LINK_TYPE'
  | 'DISSECT'
  | 'CONFIG'
  | 'PLUGIN_LOAD'
  | 'PLUGIN_OPTIONS'
  | 'MODEL_FILE'
  | 'OUTPUT_EXISTS'
  | 'ENCODING'
  | 'ENGINE'
  | 'INTERRUPTED'
  | 'INVALID_ARGUMENT'
  | 'RECORD_FORMAT'
  | 'IO';

export interface NetsynthErrorDetails {
  file?: string;
  offset?: number;
  configPath?: string;
  cause?: unknown;
}

const NETSYNTH_ERROR_BRAND = Symbol.for('netsynth.error');

export class NetsynthError extends Error {
  readonly code: NetsynthErrorCode;
  readonly file?: string;
  readonly offset?: number;
  readonly configPath?: string;

  constructor(code: NetsynthErrorCode, message: string, details: NetsynthErrorDetails = {}) {
    super(NetsynthError.compose(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    Object.defineProperty(this, NETSYNTH_ERROR_BRAND, { value: true });
    this.code = code;
    if (details.file !== undefined) this.file = details.file;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.configPath !== undefined) this.configPath = details.configPath;
  }

  private static compose(message: string, d: NetsynthErrorDetails): string {
    const where: string[] = [];
    if (d.file !== undefined) where.push(d.file);
    if (d.offset !== undefined) where.push(`offset ${d.offset}`);
    if (d.configPath !== undefined) where.push(`at ${d.configPath}`);
    return where.length ? `${where.join(', ')}: ${message}` : message;
  }
}

/** Malformed capture file: wrong magic, block running past the end, impossible lengths. */
export class PcapFormatError extends NetsynthError {
  constructor(message: string, file: string, offset: number, cause?: unknown) {
    super('PCAP_FORMAT', message, { file, offset, cause });
  }
}

/** A malformed row of a record file (CSV): the file, the 1-based line and the column name. */
export class RecordFormatError extends NetsynthError {
  readonly line: number;
  readonly column?: string;
  constructor(message: string, file: string, line: number, column?: string) {
    super('RECORD_FORMAT', `line ${line}${column !== undefined ? `, column ${column}` : ''}: ${message}`, { file });
    this.line = line;
    if (column !== undefined) this.column = column;
  }
}

/** The capture ends in the middle of a header or record. */
export class PcapTruncatedError extends NetsynthError {
  constructor(message: string, file: string, offset: number) {
    super('PCAP_TRUNCATED', message, { file, offset });
  }
}

export class UnsupportedLinkTypeError extends NetsynthError {
  readonly linkType: number;
  constructor(linkType: number, file?: string, offset?: number) {
    super('LINK_TYPE', `unsupported link type ${linkType}`, { ...(file !== undefined && { file }), ...(offset !== undefined && { offset }) });
    this.linkType = linkType;
  }
}

export class DissectError extends NetsynthError {
  constructor(message: string, details: NetsynthErrorDetails = {}) {
    super('DISSECT', message, details);
  }
}

/** A config key or value is wrong; `configPath` is the dotted path in the YAML. */
export class ConfigError extends NetsynthError {
  readonly expected?: string;
  /** Every problem found, when there were several (the message lists them; configPath is the first's). */
  readonly issues?: readonly { path: string; message: string; expected?: string }[];
  constructor(message: string, configPath: string, file?: string, expected?: string, issues?: readonly { path: string; message: string; expected?: string }[]) {
    super('CONFIG', expected ? `${message} (expected ${expected})` : message, {
      configPath,
      ...(file !== undefined && { file }),
    });
    if (expected !== undefined) this.expected = expected;
    if (issues !== undefined) this.issues = issues;
  }
}

export class PluginLoadError extends NetsynthError {
  readonly specifier: string;
  constructor(specifier: string, message: string, details: NetsynthErrorDetails = {}) {
    super('PLUGIN_LOAD', `plugin "${specifier}": ${message}`, details);
    this.specifier = specifier;
  }
}

export class PluginOptionsError extends NetsynthError {
  constructor(message: string, configPath: string, file?: string) {
    super('PLUGIN_OPTIONS', message, { configPath, ...(file !== undefined && { file }) });
  }
}

/** A model directory or weights file that cannot be read (corrupt header, wrong tensor size...). */
export class ModelFileError extends NetsynthError {
  constructor(message: string, file: string, offset?: number, cause?: unknown) {
    super('MODEL_FILE', message, { file, ...(offset !== undefined && { offset }), cause });
  }
}

/** Refusing to replace an existing output without `--force`. */
export class OutputExistsError extends NetsynthError {
  /** `reason` says why the existing file stands in the way (e.g. which stage or config change left it). */
  constructor(file: string, reason?: string) {
    super('OUTPUT_EXISTS', `output already exists${reason ? ` (${reason})` : ''}; pass --force to overwrite it`, { file });
  }
}

/**
 * A file or folder could not be read, written or created (disk full, permission, read-only
 * or virtual file system). `errno` is the system's code (ENOSPC, EACCES, EROFS…).
 */
export class FileIOError extends NetsynthError {
  readonly errno?: string;
  constructor(message: string, file: string, errno?: string, cause?: unknown) {
    super('IO', message, { file, cause });
    if (errno !== undefined) this.errno = errno;
  }
}

/** Plain words for the system error codes a user can act on. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  EFBIG: 'file too large',
  ENXIO: 'no such device',
};

/** The system error code of a Node fs error (`ENOSPC`…), if `e` is one. */
export function errnoOf(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * Turns a Node fs error into a FileIOError naming `file` (fs errors on an open file handle,
 * like ENOSPC from write(), carry no path). NetsynthErrors and other errors pass unchanged.
 */
export function asFileError(e: unknown, file: string, doing = 'write'): unknown {
  if (isNetsynthError(e)) return e;
  const errno = errnoOf(e);
  if (errno === undefined) return e;
  return new FileIOError(`cannot ${doing}: ${ERRNO_WORDS[errno] ?? errno} (${errno})`, file, errno, e);
}

export class EncodingError extends NetsynthError {
  constructor(message: string, details: NetsynthErrorDetails = {}) {
    super('ENCODING', message, details);
  }
}

export class EngineError extends NetsynthError {
  constructor(message: string, details: NetsynthErrorDetails = {}) {
    super('ENGINE', message, details);
  }
}

/** Raised when an AbortSignal stops long work; the last checkpoint is kept. */
export class InterruptedError extends NetsynthError {
  constructor(message = 'interrupted') {
    super('INTERRUPTED', message);
  }
}

export class InvalidArgumentError extends NetsynthError {
  constructor(message: string, details: NetsynthErrorDetails = {}) {
    super('INVALID_ARGUMENT', message, details);
  }
}

/**
 * A third-party plugin may bundle its own copy of @netsynth/core, so `instanceof` can fail
 * across copies; the global-registry symbol brand works across them.
 */
export function isNetsynthError(e: unknown): e is NetsynthError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[NETSYNTH_ERROR_BRAND] === true;
}
