import { RecordReader, type RecordField } from '@netsynth/records';

/** Columns whose name says they hold a class label, in order of preference (NetShare's `type` first). */
const LABEL_NAMES = [/^type$/i, /^class$/i, /^label$/i, /^attack[ _-]?type$/i, /^category$/i];
/** Rows read per file to learn a column's values, and the most distinct values a label column may have. */
const SCAN_ROWS = 20_000;
const MAX_LABELS = 100;

/** Where a records starter takes its labels from, and why (`netsynth init` prints the reason). */
export type LabelChoice = { from: 'column'; column: string; labels: string[]; reason: string } | { from: 'filename'; reason: string };

const rank = (name: string): number => LABEL_NAMES.findIndex((re) => re.test(name.trim()));

/** The values of each label-named column over the first rows of every file; a column some file lacks is dropped. */
async function labelColumnValues(
  files: readonly string[],
  columns: Partial<Record<RecordField, string>>,
): Promise<{ values: Map<string, Set<string>>; partial: string[] }> {
  let values: Map<string, Set<string>> | undefined;
  const partial = new Set<string>();
  for (const file of files) {
    const seen = new Map<string, Set<string>>();
    let n = 0;
    for await (const { row } of new RecordReader(file, { columns }).rows()) {
      for (const [k, v] of Object.entries(row)) {
        if (rank(k) < 0) continue;
        const set = seen.get(k) ?? new Set<string>();
        if (set.size <= MAX_LABELS && v.trim() !== '') set.add(v.trim());
        seen.set(k, set);
      }
      if (++n >= SCAN_ROWS) break;
    }
    if (!values) values = seen;
    else {
      for (const k of seen.keys()) if (!values.has(k)) partial.add(k);
      for (const [k, set] of values) {
        const more = seen.get(k);
        if (!more) {
          values.delete(k);
          partial.add(k);
        } else for (const v of more) if (set.size <= MAX_LABELS) set.add(v);
      }
    }
  }
  return { values: values ?? new Map(), partial: [...partial].sort() };
}

/**
 * Labels for a folder of record files. A label-named column (type, class, label, attack type,
 * category) that every file has, with 1–100 distinct values, wins over file names: the records
 * carry their classes, and synthetic.csv can only fill that column from column labels (a run
 * labelled by file name leaves it empty). Between several, the preferred name wins, then the most varied.
 */
export async function chooseLabels(files: readonly string[], columns: Partial<Record<RecordField, string>>): Promise<LabelChoice> {
  const { values, partial } = await labelColumnValues(files, columns);
  const usable = [...values.entries()]
    .filter(([, s]) => s.size >= 1 && s.size <= MAX_LABELS)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || b[1].size - a[1].size || a[0].localeCompare(b[0]));
  const best = usable[0];
  const where = files.length > 1 ? `all ${files.length} files` : 'the file';
  const have = files.length > 1 ? 'have' : 'has';
  if (best) {
    const labels = [...best[1]].sort();
    const others =
      usable.length > 1
        ? `; preferred over ${usable
            .slice(1)
            .map(([k]) => k)
            .join(', ')}`
        : '';
    return {
      from: 'column',
      column: best[0],
      labels,
      reason: `${where} ${have} a label column "${best[0]}" with ${labels.length} value(s); it wins over file names${others}`,
    };
  }
  if (values.size > 0) {
    const [k, s] = [...values.entries()][0]!;
    const why = s.size === 0 ? 'is empty' : `has more than ${MAX_LABELS} values`;
    return { from: 'filename', reason: `column "${k}" ${why}, so it is no label: each file is one class` };
  }
  if (partial.length > 0) return { from: 'filename', reason: `only some files have a column "${partial[0]}": each file is one class` };
  return {
    from: 'filename',
    reason: `no column named type, class, label, attack type or category in ${where}: each file is one class`,
  };
}
