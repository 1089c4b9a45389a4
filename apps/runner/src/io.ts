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

/**
 * `--quiet`: a stderr that keeps warnings and errors (a `warning:` / `error` line and its
 * indented continuation lines) and drops progress.
 */
export function quietStream(stream: OutputStream): OutputStream {
  let pending = '';
  let inWarning = false;
  return {
    isTTY: false,
    write: (text: string) => {
      pending += text;
      for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
        const line = pending.slice(0, i + 1);
        pending = pending.slice(i + 1);
        inWarning = line.startsWith('warning:') || line.startsWith('error') || (inWarning && /^\s/.test(line));
        if (inWarning) stream.write(line);
      }
      return true;
    },
  };
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
