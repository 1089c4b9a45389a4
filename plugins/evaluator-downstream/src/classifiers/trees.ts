import { createRng } from '@netsynth/core';
import type { Tree } from './tree.js';
import { growTree, predictTree } from './tree.js';
import type { ClassifierFamily, FittedClassifier, TrainingData } from './types.js';
import { argmax, sortedPositions, toColumns } from './types.js';

export interface DecisionTreeOptions {
  maxDepth: number;
  minSamplesLeaf: number;
}

/** One CART classification tree on all features (Gini). */
export function decisionTree(options: DecisionTreeOptions = { maxDepth: 16, minSamplesLeaf: 1 }): ClassifierFamily {
  return {
    id: 'decision_tree',
    fit(data: TrainingData): FittedClassifier {
      const cols = toColumns(data.rows);
      const tree = growTree(
        cols,
        sortedPositions(cols),
        { kind: 'classification', labels: Int32Array.from(data.labels), classes: data.classes },
        {
          maxDepth: options.maxDepth,
          minSamplesLeaf: options.minSamplesLeaf,
          maxFeatures: cols.length,
          rng: null,
        },
      );
      return { predict: (rows) => rows.map((r) => argmax(predictTree(tree, r))) };
    },
  };
}

export interface RandomForestOptions {
  trees: number;
  maxDepth: number;
  minSamplesLeaf: number;
}

/**
 * Breiman's random forest: each tree on a seeded bootstrap sample, √d features tried per node,
 * prediction by averaging the trees' leaf class shares (soft voting, as scikit-learn does).
 */
export function randomForest(options: RandomForestOptions = { trees: 50, maxDepth: 16, minSamplesLeaf: 1 }): ClassifierFamily {
  return {
    id: 'random_forest',
    fit(data: TrainingData, seed: number): FittedClassifier {
      const rng = createRng(seed);
      const n = data.rows.length;
      const d = data.rows[0]?.length ?? 0;
      const maxFeatures = Math.max(1, Math.round(Math.sqrt(d)));
      const trees: Tree[] = [];
      for (let t = 0; t < options.trees && n > 0; t++) {
        const treeRng = rng.fork(`tree${t}`);
        const pick = Array.from({ length: n }, () => treeRng.int(n));
        const cols = toColumns(pick.map((i) => data.rows[i] as readonly number[]));
        const labels = Int32Array.from(pick.map((i) => data.labels[i] as number));
        trees.push(
          growTree(
            cols,
            sortedPositions(cols),
            { kind: 'classification', labels, classes: data.classes },
            {
              maxDepth: options.maxDepth,
              minSamplesLeaf: options.minSamplesLeaf,
              maxFeatures,
              rng: treeRng,
            },
          ),
        );
      }
      return {
        predict: (rows) =>
          rows.map((r) => {
            const votes = new Float64Array(data.classes);
            for (const tree of trees) {
              const p = predictTree(tree, r);
              for (let k = 0; k < votes.length; k++) votes[k] = (votes[k] as number) + (p[k] as number);
            }
            return argmax(votes);
          }),
      };
    },
  };
}

export interface GradientBoostingOptions {
  rounds: number;
  learningRate: number;
  maxDepth: number;
  minSamplesLeaf: number;
}

/**
 * Friedman's multi-class gradient boosting (as scikit-learn's GradientBoostingClassifier):
 * softmax over K additive scores, one regression tree per class per round fitted to the
 * residuals y − p, leaf values by the one-step Newton estimate (K−1)/K · Σr / Σ|r|(1−|r|).
 */
export function gradientBoosting(options: GradientBoostingOptions = { rounds: 60, learningRate: 0.1, maxDepth: 3, minSamplesLeaf: 1 }): ClassifierFamily {
  return {
    id: 'gradient_boosting',
    fit(data: TrainingData): FittedClassifier {
      const K = data.classes;
      const n = data.rows.length;
      const cols = toColumns(data.rows);
      const sorted = sortedPositions(cols);
      const prior = new Float64Array(K);
      for (const y of data.labels) prior[y] = (prior[y] as number) + 1;
      const init = Array.from(prior, (c) => Math.log(Math.max(c, 1e-3) / Math.max(n, 1)));
      const F = Array.from({ length: K }, (_, k) => new Float64Array(n).fill(init[k] as number));
      const rounds: Tree[][] = [];
      const residual = new Float64Array(n);
      const probs = Array.from({ length: K }, () => new Float64Array(n));
      for (let m = 0; m < options.rounds && n > 0; m++) {
        for (let i = 0; i < n; i++) {
          let mx = -Infinity;
          for (let k = 0; k < K; k++) mx = Math.max(mx, (F[k] as Float64Array)[i] as number);
          let z = 0;
          for (let k = 0; k < K; k++) z += Math.exp(((F[k] as Float64Array)[i] as number) - mx);
          for (let k = 0; k < K; k++) (probs[k] as Float64Array)[i] = Math.exp(((F[k] as Float64Array)[i] as number) - mx) / z;
        }
        const trees: Tree[] = [];
        for (let k = 0; k < K; k++) {
          for (let i = 0; i < n; i++) residual[i] = (data.labels[i] === k ? 1 : 0) - ((probs[k] as Float64Array)[i] as number);
          const leafValue = (pos: number[]): number => {
            let num = 0;
            let den = 0;
            for (const i of pos) {
              const r = residual[i] as number;
              num += r;
              den += Math.abs(r) * (1 - Math.abs(r));
            }
            return den < 1e-12 ? 0 : ((K - 1) / K) * (num / den);
          };
          const tree = growTree(
            cols,
            sorted,
            { kind: 'regression', values: residual, leafValue },
            {
              maxDepth: options.maxDepth,
              minSamplesLeaf: options.minSamplesLeaf,
              maxFeatures: cols.length,
              rng: null,
            },
          );
          const fk = F[k] as Float64Array;
          for (let i = 0; i < n; i++) fk[i] = (fk[i] as number) + options.learningRate * (predictTree(tree, data.rows[i] as readonly number[])[0] as number);
          trees.push(tree);
        }
        rounds.push(trees);
      }
      return {
        predict: (rows) =>
          rows.map((r) => {
            const score = Float64Array.from(init);
            for (const trees of rounds) trees.forEach((t, k) => (score[k] = (score[k] as number) + options.learningRate * (predictTree(t, r)[0] as number)));
            return argmax(score);
          }),
      };
    },
  };
}
