/**
 * How long work reports itself. The runner renders these on stderr (bars, or lines
 * when stderr is not a TTY); library code only calls this interface.
 */
export interface ProgressTask {
  /** Advance by `delta` units and optionally update the status line (e.g. "loss 0.031"). */
  tick(delta?: number, status?: string): void;
  /** Set the absolute position. */
  update(current: number, status?: string): void;
  done(summary?: string): void;
}

export interface ProgressReporter {
  /** Start a task; `total` undefined means unknown length (e.g. packets of a stream). */
  start(name: string, total?: number, unit?: string): ProgressTask;
  log(message: string): void;
  warn(message: string): void;
}

const silentTask: ProgressTask = { tick: () => {}, update: () => {}, done: () => {} };

export const silentProgress: ProgressReporter = {
  start: () => silentTask,
  log: () => {},
  warn: () => {},
};
