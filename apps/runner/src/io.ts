/**
 * Where a command writes. The CLI passes the process streams; tests pass string sinks, so
 * a command's stdout (results) and stderr (progress, warnings, errors) can be checked apart.
 */
export interface OutputStream {
  write(text: string): unknown;
  /** True when the stream is a terminal: progress draws bars instead of plain lines. */
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Folder relative command-line paths resolve against. */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}

/** An io whose output is kept in strings (tests, programmatic use). */
export function memoryIo(cwd: string, env: Record<string, string | undefined> = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t), isTTY: false },
    stderr: { write: (t: string) => (err += t), isTTY: false },
    cwd,
    env,
    out: () => out,
    err: () => err,
  };
}
