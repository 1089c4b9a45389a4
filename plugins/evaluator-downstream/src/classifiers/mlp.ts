import { fitStandardiser, standardise } from '@netsynth/evalkit';
import { Linear, SiLU, Sequential, adamw, buildTrainingSession, epochOrder, initParameters, ops } from '@netsynth/nn';
import type { RuntimeOptions, Value } from '@netsynth/nn';
import type { ClassifierFamily, FittedClassifier, TrainingData } from './types.js';
import { argmax } from './types.js';

export interface MlpOptions {
  /** Units of each hidden layer (SiLU after each). */
  hidden: number[];
  /** Optimizer steps (mini-batches). */
  steps: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  /** Execution providers of the training session and where fallback warnings go (default: CPU). */
  runtime?: RuntimeOptions;
}

export const DEFAULT_MLP_OPTIONS: MlpOptions = { hidden: [64, 64], steps: 400, batchSize: 64, learningRate: 3e-3, weightDecay: 1e-4 };

/** z-scores are clipped to ±CLIP: a column constant in training (scale 1) can be far off in test data. */
const CLIP = 10;

function pack(rows: readonly (readonly number[])[], idx: readonly number[], d: number): Float32Array {
  const x = new Float32Array(idx.length * d);
  idx.forEach((j, k) => {
    const r = rows[j] as readonly number[];
    for (let c = 0; c < d; c++) x[k * d + c] = Math.max(-CLIP, Math.min(CLIP, r[c] as number));
  });
  return x;
}

/**
 * A multi-layer perceptron on z-scored features, built and trained with the netsynth nn engine
 * (`@netsynth/nn`: ONNX graph, autodiff, AdamW, onnxruntime): softmax cross-entropy, seeded
 * initialisation and seeded per-epoch batch order, so the same data and seed give the same model.
 */
export function mlp(options: MlpOptions = DEFAULT_MLP_OPTIONS): ClassifierFamily {
  return {
    id: 'mlp',
    async fit(data: TrainingData, seed: number): Promise<FittedClassifier> {
      const K = data.classes;
      const n = data.rows.length;
      const present = [...new Set(data.labels)];
      // One class (or nothing) to learn: predict it, as the other families do.
      if (n === 0 || present.length < 2) {
        const only = present[0] ?? 0;
        return { predict: (rows) => rows.map(() => only) };
      }
      const scaler = fitStandardiser(data.rows);
      const X = standardise(data.rows, scaler);
      const d = X[0]?.length ?? 0;
      const layers = [];
      let width = d;
      for (const h of options.hidden) {
        layers.push(new Linear(width, h), new SiLU());
        width = h;
      }
      layers.push(new Linear(width, K));
      const net = new Sequential(layers);
      initParameters(net, seed);
      const B = options.batchSize;
      const trainer = await buildTrainingSession(net, {
        inputs: { x: { shape: [B, d] }, y: { shape: [B, K] } },
        // Softmax cross-entropy against one-hot labels (ε keeps log finite).
        loss: (ctx, i) =>
          ops.neg(
            ops.reduceMeanAll(ops.reduceSum(ops.mul(i['y'] as Value, ops.log(ops.add(ops.softmax(net.forward(ctx, i['x'] as Value), -1), 1e-7))), [1], false)),
          ),
        forward: (ctx, i) => net.forward(ctx, i['x'] as Value),
        optimizer: adamw({ lr: options.learningRate, weightDecay: options.weightDecay }),
        seed,
        runtime: { ...options.runtime, intraOpNumThreads: 1 },
      });
      try {
        let order: number[] = [];
        let epoch = 0;
        let pos = 0;
        for (let step = 0; step < options.steps; step++) {
          const idx: number[] = [];
          while (idx.length < B) {
            if (pos >= order.length) {
              order = Array.from(epochOrder(n, seed, epoch++));
              pos = 0;
            }
            idx.push(order[pos++] as number);
          }
          const y = new Float32Array(B * K);
          idx.forEach((j, k) => (y[k * K + (data.labels[j] as number)] = 1));
          await trainer.trainStep({ x: pack(X, idx, d), y });
        }
      } catch (e) {
        await trainer.dispose();
        throw e;
      }
      return {
        async predict(rows) {
          const Z = standardise(rows, scaler);
          const out: number[] = [];
          for (let start = 0; start < Z.length; start += B) {
            // The graph has a fixed batch: the last batch is padded with its last row.
            const idx = Array.from({ length: B }, (_, k) => Math.min(start + k, Z.length - 1));
            const logits = await trainer.predict({ x: pack(Z, idx, d), y: new Float32Array(B * K) });
            for (let k = 0; k < B && start + k < Z.length; k++) out.push(argmax(logits.subarray(k * K, (k + 1) * K)));
          }
          return out;
        },
        dispose: () => trainer.dispose(),
      };
    },
  };
}
