import { createRng } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { sampleAtMost, stratifiedSplit } from '../src/split.js';
import { formatMetricTable, formatTable } from '../src/table.js';

describe('stratifiedSplit', () => {
  const labels = [...Array(40).fill('a'), ...Array(10).fill('b'), 'c'] as string[];

  it('keeps class shares, covers every index once, and is seeded', () => {
    const s = stratifiedSplit(labels, 0.2, createRng(7));
    expect([...s.train, ...s.test].sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
    expect(s.test.filter((i) => labels[i] === 'a')).toHaveLength(8);
    expect(s.test.filter((i) => labels[i] === 'b')).toHaveLength(2);
    expect(s.test.filter((i) => labels[i] === 'c')).toHaveLength(0);
    expect(stratifiedSplit(labels, 0.2, createRng(7))).toEqual(s);
    expect(stratifiedSplit(labels, 0.2, createRng(8))).not.toEqual(s);
  });

  it('rejects a fraction outside (0, 1)', () => {
    expect(() => stratifiedSplit(labels, 1, createRng(1))).toThrow(/testFraction/);
  });

  it('sampleAtMost is seeded and keeps order', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const a = sampleAtMost(items, 10, createRng(3));
    expect(a).toHaveLength(10);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(sampleAtMost(items, 10, createRng(3))).toEqual(a);
    expect(sampleAtMost(items, 200, createRng(3))).toEqual(items);
  });
});

describe('tables', () => {
  it('aligns columns and shows arrows', () => {
    const t = formatTable(
      ['name', 'v'],
      [
        ['a', 1.23456],
        ['long name', null],
      ],
    );
    const lines = t.split('\n');
    expect(lines[0]).toMatch(/^name\s+v$/);
    expect(lines[2]).toBe('a          1.235');
    expect(lines[3]).toBe('long name      —');
    const m = formatMetricTable([{ name: 'x.jsd', value: 0.5, direction: 'lower' }]);
    expect(m).toContain('↓');
  });
});
