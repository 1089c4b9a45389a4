export interface Scores {
  accuracy: number | null;
  /** Unweighted mean of per-class F1 over the classes present in truth or predictions (scikit-learn's 'macro'). */
  macroF1: number | null;
  /** F1 of each class index (null where the class is neither true nor predicted); with `classes` given. */
  perClassF1?: (number | null)[];
  /** confusion[t][p]: test samples of class t predicted as p; with `classes` given. */
  confusion?: number[][];
}

/** Accuracy and macro-F1; with the number of classes, also per-class F1 and the confusion matrix. */
export function score(truth: readonly number[], predicted: readonly number[], classes?: number): Scores {
  if (truth.length === 0) return { accuracy: null, macroF1: null };
  let correct = 0;
  const tp = new Map<number, number>();
  const fp = new Map<number, number>();
  const fn = new Map<number, number>();
  const inc = (m: Map<number, number>, k: number): void => void m.set(k, (m.get(k) ?? 0) + 1);
  const confusion = classes === undefined ? undefined : Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i] as number;
    const row = confusion?.[t];
    if (row && p < row.length) row[p] = (row[p] as number) + 1;
    if (p === t) {
      correct++;
      inc(tp, t);
    } else {
      inc(fp, p);
      inc(fn, t);
    }
  });
  const f1 = (c: number): number => {
    const a = tp.get(c) ?? 0;
    const denom = 2 * a + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
    return denom === 0 ? 0 : (2 * a) / denom;
  };
  const present = new Set([...truth, ...predicted]);
  let f1Sum = 0;
  for (const c of present) f1Sum += f1(c);
  const out: Scores = { accuracy: correct / truth.length, macroF1: f1Sum / present.size };
  if (classes !== undefined && confusion) {
    out.perClassF1 = Array.from({ length: classes }, (_, c) => (present.has(c) ? f1(c) : null));
    out.confusion = confusion;
  }
  return out;
}
