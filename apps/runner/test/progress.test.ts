import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../src/index.js';
import { quietStream } from '../src/io.js';

function sink(isTTY: boolean) {
  let text = '';
  return { stream: { write: (s: string) => (text += s), isTTY, columns: 80 }, text: () => text };
}

describe('progress on stderr', () => {
  it('prints plain, throttled lines when not on a terminal', () => {
    const s = sink(false);
    let now = 0;
    const p = createProgressReporter(s.stream, { throttleMs: 1000, now: () => now });
    const task = p.start('encode', 10, 'samples');
    for (let i = 0; i < 10; i++) {
      now += 300;
      task.tick(1, `sample ${i}`);
    }
    task.done('10 samples');
    p.warn('odd packet');
    const lines = s.text().trim().split('\n');
    // 3 s of work at one line per second, then the done line and the warning.
    expect(lines.filter((l) => l.startsWith('encode: ') && l.includes('/10 samples'))).toEqual([
      'encode: 4/10 samples (40%), 3.33 samples/s, ETA 1.80 s sample 3',
      'encode: 8/10 samples (80%), 3.33 samples/s, ETA 0.60 s sample 7',
    ]);
    expect(lines).toContain('encode: done, 10 samples (3.00 s)');
    expect(lines.at(-1)).toBe('warning: odd packet');
  });

  it('handles tasks of unknown length', () => {
    const s = sink(false);
    let now = 0;
    const p = createProgressReporter(s.stream, { throttleMs: 10, now: () => now });
    const t = p.start('read', undefined, 'packets');
    now = 20;
    t.update(500);
    t.done();
    expect(s.text()).toContain('read: 500 packets, 25000 packets/s\n');
    expect(s.text()).toContain('read: done (0.02 s)\n');
  });

  it('--quiet keeps warnings and errors (with their indented lines) and drops progress', () => {
    const s = sink(false);
    const p = createProgressReporter(quietStream(s.stream), { throttleMs: 0 });
    const t = p.start('decode', 2, 'samples');
    t.tick(1);
    p.warn('2 row(s) could not be decoded into packets:\n  a row 0: bad\n  a row 1: bad');
    t.done();
    p.log('wrote out.pcap');
    expect(s.text()).toBe('warning: 2 row(s) could not be decoded into packets:\n  a row 0: bad\n  a row 1: bad\n');
  });

  it('draws bars on a terminal and ends with the summary line', () => {
    const s = sink(true);
    const p = createProgressReporter(s.stream);
    const t = p.start('train', 4, 'steps');
    t.tick(2, 'loss 0.1');
    p.log('a message while the bar is drawn');
    t.done('4 steps');
    expect(s.text()).toContain('a message while the bar is drawn');
    expect(s.text()).toMatch(/train: done, 4 steps \(/);
  });
});
