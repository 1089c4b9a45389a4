import { fitStandardiser, standardise } from '@netsynth/evalkit';
import type { ClassifierFamily, FittedClassifier, TrainingData } from './types.js';
import { argmax } from './types.js';

export interface LogisticRegressionOptions {
  iterations: number;
  learningRate: number;
  /** L2 penalty on the weights (not the intercepts). */
  l2: number;
}

/**
 * Multinomial (softmax) logistic regression with intercepts and an L2 penalty, on z-scored
 * features, fitted by full-batch Adam from zero weights (deterministic).
 */
export function logisticRegression(options: LogisticRegressionOptions = { iterations: 300, learningRate: 0.05, l2: 1e-3 }): ClassifierFamily {
  return {
    id: 'logistic_regression',
    fit(data: TrainingData): FittedClassifier {
      const K = data.classes;
      const scaler = fitStandardiser(data.rows);
      const X = standardise(data.rows, scaler);
      const n = X.length;
      const d = X[0]?.length ?? 0;
      const P = (d + 1) * K; // weights then intercepts, class-major
      const w = new Float64Array(P);
      const m = new Float64Array(P);
      const v = new Float64Array(P);
      const g = new Float64Array(P);
      const logits = new Float64Array(K);
      const b1 = 0.9;
      const b2 = 0.999;
      for (let t = 1; t <= options.iterations && n > 0; t++) {
        g.fill(0);
        for (let i = 0; i < n; i++) {
          const x = X[i] as number[];
          let mx = -Infinity;
          for (let k = 0; k < K; k++) {
            let s = w[d * K + k] as number;
            const base = k * d;
            for (let j = 0; j < d; j++) s += (w[base + j] as number) * (x[j] as number);
            logits[k] = s;
            if (s > mx) mx = s;
          }
          let z = 0;
          for (let k = 0; k < K; k++) z += Math.exp((logits[k] as number) - mx);
          for (let k = 0; k < K; k++) {
            const err = Math.exp((logits[k] as number) - mx) / z - (data.labels[i] === k ? 1 : 0);
            const base = k * d;
            for (let j = 0; j < d; j++) g[base + j] = (g[base + j] as number) + err * (x[j] as number);
            g[d * K + k] = (g[d * K + k] as number) + err;
          }
        }
        for (let p = 0; p < P; p++) {
          let gp = (g[p] as number) / n;
          if (p < d * K) gp += options.l2 * (w[p] as number);
          m[p] = b1 * (m[p] as number) + (1 - b1) * gp;
          v[p] = b2 * (v[p] as number) + (1 - b2) * gp * gp;
          const mh = (m[p] as number) / (1 - b1 ** t);
          const vh = (v[p] as number) / (1 - b2 ** t);
          w[p] = (w[p] as number) - (options.learningRate * mh) / (Math.sqrt(vh) + 1e-8);
        }
      }
      return {
        predict: (rows) =>
          standardise(rows, scaler).map((x) => {
            for (let k = 0; k < K; k++) {
              let s = w[d * K + k] as number;
              for (let j = 0; j < d; j++) s += (w[k * d + j] as number) * (x[j] as number);
              logits[k] = s;
            }
            return argmax(logits);
          }),
      };
    },
  };
}

/**
 * Gaussian naive Bayes in log space (no underflow however many features), with scikit-learn's
 * variance smoothing: 1e−9 × the largest feature variance added to every class variance.
 */
export function naiveBayes(varSmoothing = 1e-9): ClassifierFamily {
  return {
    id: 'naive_bayes',
    fit(data: TrainingData): FittedClassifier {
      const K = data.classes;
      const n = data.rows.length;
      const d = data.rows[0]?.length ?? 0;
      const all = fitStandardiser(data.rows);
      const maxVar = Math.max(...all.std.map((s) => s * s), 0);
      const eps = varSmoothing * maxVar + 1e-12;
      const countOf = new Float64Array(K);
      const mean = Array.from({ length: K }, () => new Float64Array(d));
      const variance = Array.from({ length: K }, () => new Float64Array(d));
      data.rows.forEach((r, i) => {
        const k = data.labels[i] as number;
        countOf[k] = (countOf[k] as number) + 1;
        for (let j = 0; j < d; j++) (mean[k] as Float64Array)[j] = ((mean[k] as Float64Array)[j] as number) + (r[j] as number);
      });
      for (let k = 0; k < K; k++)
        for (let j = 0; j < d; j++) (mean[k] as Float64Array)[j] = ((mean[k] as Float64Array)[j] as number) / Math.max(countOf[k] as number, 1);
      data.rows.forEach((r, i) => {
        const k = data.labels[i] as number;
        for (let j = 0; j < d; j++)
          (variance[k] as Float64Array)[j] = ((variance[k] as Float64Array)[j] as number) + ((r[j] as number) - ((mean[k] as Float64Array)[j] as number)) ** 2;
      });
      for (let k = 0; k < K; k++)
        for (let j = 0; j < d; j++) (variance[k] as Float64Array)[j] = ((variance[k] as Float64Array)[j] as number) / Math.max(countOf[k] as number, 1) + eps;
      const logPrior = Array.from(countOf, (c) => (c > 0 ? Math.log(c / n) : -Infinity));
      return {
        predict: (rows) =>
          rows.map((r) => {
            const score = new Float64Array(K);
            for (let k = 0; k < K; k++) {
              let s = logPrior[k] as number;
              for (let j = 0; j < d; j++) {
                const va = (variance[k] as Float64Array)[j] as number;
                s -= 0.5 * Math.log(2 * Math.PI * va) + ((r[j] as number) - ((mean[k] as Float64Array)[j] as number)) ** 2 / (2 * va);
              }
              score[k] = s;
            }
            return argmax(score);
          }),
      };
    },
  };
}
