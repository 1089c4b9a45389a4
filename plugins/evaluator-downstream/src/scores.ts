export interface Scores {
  accuracy: number | null;
  /** Unweighted mean of per-class F1 over the classes present in truth or predictions (scikit-learn's 'macro'). */
  macroF1: number | null;
}

export function score(truth: readonly number[], predicted: readonly number[]): Scores {
  if (truth.length === 0) return { accuracy: null, macroF1: null };
  let correct = 0;
  const tp = new Map<number, number>();
  const fp = new Map<number, number>();
  const fn = new Map<number, number>();
  const inc = (m: Map<number, number>, k: number): void => void m.set(k, (m.get(k) ?? 0) + 1);
  truth.forEach((t, i) => {
    const p = predicted[i] as number;
    if (p === t) {
      correct++;
      inc(tp, t);
    } else {
      inc(fp, p);
      inc(fn, t);
    }
  });
  const classes = new Set([...truth, ...predicted]);
  let f1Sum = 0;
  for (const c of classes) {
    const a = tp.get(c) ?? 0;
    const denom = 2 * a + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
    f1Sum += denom === 0 ? 0 : (2 * a) / denom;
  }
  return { accuracy: correct / truth.length, macroF1: f1Sum / classes.size };
}
