/** Rows of features (all rows the same length) and their class indices 0..classes−1. */
export interface TrainingData {
  rows: readonly (readonly number[])[];
  labels: readonly number[];
  classes: number;
}

/** A fitted classifier: predicts a class index per row. */
export interface FittedClassifier {
  /** Synchronous for the JS classifiers; the nn engine's MLP runs onnxruntime and returns a promise. */
  predict(rows: readonly (readonly number[])[]): number[] | Promise<number[]>;
  /** Frees native resources (onnxruntime sessions); the JS classifiers have none. */
  dispose?(): Promise<void>;
}

export interface ClassifierFamily {
  /** Metric-friendly id, e.g. "random_forest". */
  id: string;
  fit(data: TrainingData, seed: number): FittedClassifier | Promise<FittedClassifier>;
}

/** Column-major copy of the rows: trees sweep one feature at a time. */
export function toColumns(rows: readonly (readonly number[])[]): Float64Array[] {
  const d = rows[0]?.length ?? 0;
  const cols = Array.from({ length: d }, () => new Float64Array(rows.length));
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) (cols[j] as Float64Array)[i] = r[j] as number;
  });
  return cols;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/** Positions 0..n−1 sorted by each column's value (computed once, reused by every node). */
export function sortedPositions(cols: readonly Float64Array[]): Int32Array[] {
  return cols.map((col) => {
    const idx = new Int32Array(col.length);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    return idx.sort((a, b) => (col[a] as number) - (col[b] as number));
  });
}
