import { InvalidArgumentError, createRng, type Rng } from '@netsynth/core';
import type { FlowRecord } from './record.js';
import {
  Module,
  adam,
  buildTrainingSession,
  epochOrder,
  initParameters,
  ops as op,
  type Parameter,
  type RuntimeOptions,
  type TraceContext,
  type Value,
} from '@netsynth/nn';

/**
 * IP2Vec (Ring et al., as NetShare uses it): word2vec skip-gram with negative sampling where a
 * "sentence" is one record's categorical fields (addresses, ports, protocol), so values that
 * occur in the same records get nearby vectors. Trained with `@netsynth/nn`; decoding is the
 * nearest vocabulary value of the wanted kind.
 */

export interface Ip2VecOptions {
  /** Vector size (NetShare: 10). */
  dim: number;
  /** Passes over all (centre, context) pairs. */
  epochs: number;
  /** Negative samples per pair (word2vec: 5). */
  negatives: number;
  /** Pairs per training step. */
  batch: number;
  lr: number;
  seed: number;
}

/** A trained embedding: `vectors` holds `vocab.length × dim` values, each coordinate in [-1, 1]. */
export interface Ip2VecModel {
  dim: number;
  vocab: string[];
  vectors: number[];
}

/** Sentences → vocabulary (by count, then by token, so the order is stable) and counts. */
function vocabulary(sentences: readonly (readonly string[])[]): { vocab: string[]; counts: number[] } {
  const counts = new Map<string, number>();
  for (const s of sentences) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
  const vocab = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  return { vocab, counts: vocab.map((w) => counts.get(w)!) };
}

/** Every ordered pair of distinct positions of a sentence (a record is short: the window is the whole record). */
function pairs(sentences: readonly (readonly string[])[], index: Map<string, number>): [number, number][] {
  const out: [number, number][] = [];
  for (const s of sentences) {
    const ids = s.map((w) => index.get(w)!);
    for (let i = 0; i < ids.length; i++) for (let j = 0; j < ids.length; j++) if (i !== j) out.push([ids[i]!, ids[j]!]);
  }
  return out;
}

/** word2vec's noise distribution: unigram counts to the power 3/4, as a cumulative table. */
function noiseTable(counts: readonly number[]): Float64Array {
  const cum = new Float64Array(counts.length);
  let sum = 0;
  counts.forEach((c, i) => {
    sum += c ** 0.75;
    cum[i] = sum;
  });
  for (let i = 0; i < cum.length; i++) cum[i]! /= sum;
  return cum;
}

function drawNoise(cum: Float64Array, rng: Rng): number {
  const u = rng.next();
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The two tables of skip-gram: input ("centre") vectors, which are the embedding, and output ("context") vectors. */
class SkipGram extends Module {
  readonly centre: Parameter;
  readonly context: Parameter;
  constructor(vocab: number, dim: number) {
    super();
    // word2vec: centre vectors small and random, context vectors zero.
    this.centre = this.param('centre', [vocab, dim], { kind: 'uniform', bound: 0.5 / dim });
    this.context = this.param('context', [vocab, dim], { kind: 'zeros' });
  }
  /** Mean over the batch of −log σ(u·v) − Σₖ log σ(−u·nₖ). */
  forward(ctx: TraceContext, centre: Value, context: Value, noise: Value): Value {
    const batch = centre.shape[0] as number;
    const k = (noise.shape[0] as number) / batch;
    const dim = this.centre.shape[1] as number;
    const u = op.gather(ctx.param(this.centre), centre); // [B, D]
    const v = op.gather(ctx.param(this.context), context); // [B, D]
    const n = op.reshape(op.gather(ctx.param(this.context), noise), [batch, k, dim]);
    const pos = op.reduceSum(op.mul(u, v), [1], false); // [B]
    const neg = op.reduceSum(op.mul(op.reshape(u, [batch, 1, dim]), n), [2], false); // [B, K]
    // A small floor keeps log finite once σ saturates in float32.
    const logSig = (x: Value): Value => op.log(op.add(op.sigmoid(x), 1e-7));
    const total = op.add(op.neg(logSig(pos)), op.neg(op.reduceSum(logSig(op.neg(neg)), [1], false)));
    return op.reduceMeanAll(total);
  }
}

/**
 * Trains IP2Vec on the sentences (seeded: same sentences, options and seed → same vectors).
 * `runtime` picks the session's execution providers (a missing one falls back to the CPU
 * through its `onWarning`); one intra-op thread unless it says otherwise, as the batches are small.
 */
export async function trainIp2Vec(sentences: readonly (readonly string[])[], o: Ip2VecOptions, runtime: RuntimeOptions = {}): Promise<Ip2VecModel> {
  const { vocab, counts } = vocabulary(sentences);
  if (vocab.length === 0) throw new InvalidArgumentError('IP2Vec needs at least one record to learn its vocabulary');
  const index = new Map(vocab.map((w, i) => [w, i]));
  const all = pairs(sentences, index);
  const net = new SkipGram(vocab.length, o.dim);
  initParameters(net, o.seed);
  if (all.length > 0) {
    const B = Math.min(o.batch, all.length);
    const K = o.negatives;
    const trainer = await buildTrainingSession(net, {
      inputs: { centre: { shape: [B], dtype: 'int64' }, context: { shape: [B], dtype: 'int64' }, noise: { shape: [B * K], dtype: 'int64' } },
      loss: (ctx, i) => net.forward(ctx, i.centre!, i.context!, i.noise!),
      optimizer: adam({ lr: o.lr }),
      runtime: { intraOpNumThreads: 1, ...runtime },
    });
    try {
      const cum = noiseTable(counts);
      const rng = createRng(o.seed).fork('ip2vec-noise');
      const centre = new BigInt64Array(B);
      const context = new BigInt64Array(B);
      const noise = new BigInt64Array(B * K);
      for (let epoch = 0; epoch < o.epochs; epoch++) {
        const order = epochOrder(all.length, o.seed, epoch);
        // Whole batches only (shapes are fixed); the tail of one epoch is seen in the next, whose order differs.
        for (let b = 0; b + B <= all.length; b += B) {
          for (let k = 0; k < B; k++) {
            const [c, x] = all[order[b + k]!]!;
            centre[k] = BigInt(c);
            context[k] = BigInt(x);
          }
          for (let k = 0; k < B * K; k++) noise[k] = BigInt(drawNoise(cum, rng));
          await trainer.trainStep({ centre, context, noise });
        }
      }
      trainer.syncToModel();
    } finally {
      await trainer.dispose();
    }
  }
  return { dim: o.dim, vocab, vectors: normalised(net.centre.data) };
}

/** Scales all vectors by one factor so every coordinate lies in [-1, 1] (the generator's range); distances keep their order. */
function normalised(data: Float32Array): number[] {
  let max = 0;
  for (const v of data) max = Math.max(max, Math.abs(v));
  const f = max > 0 ? 1 / max : 1;
  // Rounded to float32 so a saved and reloaded model decodes exactly as the trained one.
  return Array.from(data, (v) => Math.fround(v * f));
}

/** Lookup of a trained model: vector of a token, nearest token of a kind (the token's prefix). */
export class Ip2VecTable {
  private readonly index: Map<string, number>;
  private readonly byKind = new Map<string, number[]>();
  constructor(readonly model: Ip2VecModel) {
    if (model.vectors.length !== model.vocab.length * model.dim) {
      throw new InvalidArgumentError(
        `an IP2Vec model of ${model.vocab.length} tokens × ${model.dim} needs ${model.vocab.length * model.dim} values, has ${model.vectors.length}`,
      );
    }
    this.index = new Map(model.vocab.map((w, i) => [w, i]));
    model.vocab.forEach((w, i) => {
      const kind = tokenKind(w);
      const list = this.byKind.get(kind) ?? [];
      list.push(i);
      this.byKind.set(kind, list);
    });
  }

  /** The token's vector into `out` at `at`; a token outside the vocabulary writes zeros (the centre of the space). */
  put(token: string, out: Float32Array, at: number): void {
    const i = this.index.get(token);
    for (let d = 0; d < this.model.dim; d++) out[at + d] = i === undefined ? 0 : this.model.vectors[i * this.model.dim + d]!;
  }

  /** The vocabulary token of `kind` nearest (Euclidean) to the values at `at`; undefined when the kind has no token. */
  nearest(kind: string, data: ArrayLike<number>, at: number): string | undefined {
    let best: number | undefined;
    let bestD = Infinity;
    const dim = this.model.dim;
    for (const i of this.byKind.get(kind) ?? []) {
      let d2 = 0;
      for (let d = 0; d < dim; d++) {
        const x = data[at + d];
        const diff = (Number.isFinite(x) ? (x as number) : 0) - this.model.vectors[i * dim + d]!;
        d2 += diff * diff;
      }
      if (d2 < bestD) {
        bestD = d2;
        best = i;
      }
    }
    return best === undefined ? undefined : this.model.vocab[best];
  }

  /** Euclidean distance between two tokens' vectors (both must be in the vocabulary). */
  distance(a: string, b: string): number {
    const ia = this.index.get(a);
    const ib = this.index.get(b);
    if (ia === undefined || ib === undefined) throw new InvalidArgumentError(`"${ia === undefined ? a : b}" is not in the IP2Vec vocabulary`);
    let d2 = 0;
    for (let d = 0; d < this.model.dim; d++) d2 += (this.model.vectors[ia * this.model.dim + d]! - this.model.vectors[ib * this.model.dim + d]!) ** 2;
    return Math.sqrt(d2);
  }
}

/** Tokens are `kind:value` (kind `a` address, `p` port, `t` protocol), so one value string in two kinds stays two words. */
export function token(kind: string, value: string | number): string {
  return `${kind}:${value}`;
}

export function tokenKind(t: string): string {
  const i = t.indexOf(':');
  return i < 0 ? '' : t.slice(0, i);
}

export function tokenValue(t: string): string {
  const i = t.indexOf(':');
  return i < 0 ? t : t.slice(i + 1);
}

/** A record's sentence: both addresses, both ports and the protocol (NetShare's IP2Vec context). */
export function recordSentence(r: FlowRecord): string[] {
  return [token('a', r.srcip), token('a', r.dstip), token('p', r.srcport), token('p', r.dstport), token('t', r.proto)];
}
