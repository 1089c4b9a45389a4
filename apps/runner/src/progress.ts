import { MultiBar, type SingleBar } from 'cli-progress';
import type { ProgressReporter, ProgressTask } from '@netsynth/core';
import type { OutputStream } from './io.js';

export interface ProgressOptions {
  /** Draw bars (a terminal) or print plain lines (a log file, CI). Default: the stream's isTTY. */
  tty?: boolean;
  /** Plain mode: at most one line per task per this many milliseconds (default 2000). */
  throttleMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? `${s.toFixed(2)} s` : s < 120 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** `12.5 samples/s, ETA 40 s` from what is done so far; empty until there is a rate to show. */
export function rateAndEta(current: number, total: number | undefined, elapsedMs: number, unit: string): string {
  if (current <= 0 || elapsedMs <= 0) return '';
  const perSecond = (current * 1000) / elapsedMs;
  const rate = `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toPrecision(3)} ${unit || 'items'}/s`;
  if (total === undefined || total <= 0 || current >= total) return rate;
  return `${rate}, ETA ${formatSeconds(((total - current) / perSecond) * 1000)}`;
}

/**
 * core's ProgressReporter on stderr: cli-progress bars on a terminal, plain throttled lines
 * otherwise (so logs of CI runs stay readable). Only ever writes to the given stream, so
 * stdout keeps nothing but results.
 */
export function createProgressReporter(stream: OutputStream, options: ProgressOptions = {}): ProgressReporter {
  const tty = options.tty ?? stream.isTTY === true;
  return tty ? new BarReporter(stream) : new LineReporter(stream, options.throttleMs ?? 2000, options.now ?? Date.now);
}

class LineReporter implements ProgressReporter {
  constructor(
    private readonly stream: OutputStream,
    private readonly throttleMs: number,
    private readonly now: () => number,
  ) {}

  start(name: string, total?: number, unit = ''): ProgressTask {
    const started = this.now();
    let current = 0;
    let lastPrinted = started;
    let finished = false;
    const unitText = unit ? ` ${unit}` : '';
    const print = (status?: string): void => {
      const of = total !== undefined && total > 0 ? `/${total}${unitText} (${Math.floor((100 * current) / total)}%)` : unitText;
      const speed = rateAndEta(current, total, this.now() - started, unit);
      this.stream.write(`${name}: ${current}${of}${speed ? `, ${speed}` : ''}${status ? ` ${status}` : ''}\n`);
    };
    const maybePrint = (status?: string): void => {
      const t = this.now();
      if (t - lastPrinted >= this.throttleMs) {
        lastPrinted = t;
        print(status);
      }
    };
    return {
      tick: (delta = 1, status) => {
        current += delta;
        maybePrint(status);
      },
      update: (value, status) => {
        current = value;
        maybePrint(status);
      },
      done: (summary) => {
        if (finished) return;
        finished = true;
        this.stream.write(`${name}: done${summary ? `, ${summary}` : ''} (${formatSeconds(this.now() - started)})\n`);
      },
    };
  }

  log(message: string): void {
    this.stream.write(`${message}\n`);
  }

  warn(message: string): void {
    this.stream.write(`warning: ${message}\n`);
  }
}

class BarReporter implements ProgressReporter {
  private multi: MultiBar | undefined;
  private active = 0;

  constructor(private readonly stream: OutputStream) {}

  private bars(): MultiBar {
    this.multi ??= new MultiBar({
      stream: this.stream as unknown as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: true,
      fps: 8,
      barsize: 30,
      format: '{name} [{bar}] {value}/{total} {unit} {speed} {status}',
      barCompleteChar: '#',
      barIncompleteChar: '-',
    });
    return this.multi;
  }

  private write(line: string): void {
    if (this.multi && this.active > 0) this.multi.log(`${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  start(name: string, total?: number, unit = ''): ProgressTask {
    const started = Date.now();
    const known = total !== undefined && total > 0;
    const bar: SingleBar = this.bars().create(
      known ? total : 0,
      0,
      { name, unit, status: '', speed: '' },
      known ? {} : { format: '{name} {value} {unit} {speed} {status}' },
    );
    this.active++;
    let current = 0;
    let finished = false;
    return {
      tick: (delta = 1, status) => {
        current += delta;
        bar.update(current, { speed: rateAndEta(current, total, Date.now() - started, unit), ...(status !== undefined && { status }) });
      },
      update: (value, status) => {
        current = value;
        bar.update(current, { speed: rateAndEta(current, total, Date.now() - started, unit), ...(status !== undefined && { status }) });
      },
      done: (summary) => {
        if (finished) return;
        finished = true;
        bar.stop();
        this.multi?.remove(bar);
        this.active--;
        if (this.active === 0) {
          this.multi?.stop();
          this.multi = undefined;
        }
        this.write(`${name}: done${summary ? `, ${summary}` : ''} (${formatSeconds(Date.now() - started)})`);
      },
    };
  }

  log(message: string): void {
    this.write(message);
  }

  warn(message: string): void {
    this.write(`warning: ${message}`);
  }
}
