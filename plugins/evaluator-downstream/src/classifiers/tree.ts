import type { Rng } from '@netsynth/core';

/**
 * CART trees grown level by level over presorted feature columns: at each depth one sweep
 * per feature over the presorted positions finds the best threshold of every open node at
 * once (O(n·d) per level). Classification splits by Gini impurity; regression by squared
 * error (variance reduction), with leaf values chosen by the caller (Newton steps for boosting).
 */
export interface TreeGrowOptions {
  maxDepth: number;
  minSamplesLeaf: number;
  /** Features examined per node; fewer than all draws a random subset with `rng` (forests). */
  maxFeatures: number;
  rng: Rng | null;
}

export type TreeTarget =
  { kind: 'classification'; labels: Int32Array; classes: number } | { kind: 'regression'; values: Float64Array; leafValue: (positions: number[]) => number };

/** A tree in flat arrays; leaves have feature −1 and a value vector (class shares or [value]). */
export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: (Float64Array | null)[];
}

export function predictTree(tree: Tree, row: readonly number[]): Float64Array {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return tree.value[node] as Float64Array;
    node = (row[f] as number) < (tree.threshold[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
  }
}

function pickFeatures(d: number, k: number, rng: Rng | null): Uint8Array {
  const mask = new Uint8Array(d);
  if (k >= d || !rng) return mask.fill(1);
  const all = Array.from({ length: d }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(d - i);
    const t = all[i] as number;
    all[i] = all[j] as number;
    all[j] = t;
    mask[all[i] as number] = 1;
  }
  return mask;
}

export function growTree(cols: readonly Float64Array[], sorted: readonly Int32Array[], target: TreeTarget, options: TreeGrowOptions): Tree {
  const n = cols[0]?.length ?? 0;
  const d = cols.length;
  const K = target.kind === 'classification' ? target.classes : 1;
  const tree: Tree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [null] };
  const nodeOf = new Int32Array(n); // every position starts in the root (node 0)
  const minLeaf = Math.max(1, options.minSamplesLeaf);
  let level = [0];

  for (let depth = 0; depth < options.maxDepth && level.length > 0; depth++) {
    const S = level.length;
    const slotOf = new Int32Array(tree.feature.length).fill(-1);
    level.forEach((node, s) => (slotOf[node] = s));
    // Totals per open node.
    const total = new Float64Array(S * K);
    const count = new Float64Array(S);
    for (let i = 0; i < n; i++) {
      const s = slotOf[nodeOf[i] as number] as number;
      if (s < 0) continue;
      count[s] = (count[s] as number) + 1;
      const k = target.kind === 'classification' ? s * K + (target.labels[i] as number) : s;
      total[k] = (total[k] as number) + (target.kind === 'classification' ? 1 : (target.values[i] as number));
    }
    const baseline = new Float64Array(S);
    const splittable = new Uint8Array(S);
    for (let s = 0; s < S; s++) {
      let sq = 0;
      let maxCount = 0;
      for (let k = 0; k < K; k++) {
        const t = total[s * K + k] as number;
        sq += t * t;
        if (t > maxCount) maxCount = t;
      }
      const c = count[s] as number;
      baseline[s] = c > 0 ? sq / c : 0;
      const pure = target.kind === 'classification' && maxCount === c;
      splittable[s] = c >= 2 * minLeaf && !pure ? 1 : 0;
    }
    const masks = level.map((_, s) => (splittable[s] ? pickFeatures(d, options.maxFeatures, options.rng) : new Uint8Array(d)));
    const bestGain = new Float64Array(S).fill(1e-10);
    const bestFeature = new Int32Array(S).fill(-1);
    const bestThreshold = new Float64Array(S);

    const leftN = new Float64Array(S);
    const leftStat = new Float64Array(S * K);
    const sqL = new Float64Array(S);
    const sqR = new Float64Array(S);
    const last = new Float64Array(S);
    for (let f = 0; f < d; f++) {
      let used = false;
      for (let s = 0; s < S && !used; s++) used = (masks[s] as Uint8Array)[f] === 1;
      if (!used) continue;
      const col = cols[f] as Float64Array;
      leftN.fill(0);
      leftStat.fill(0);
      sqL.fill(0);
      for (let s = 0; s < S; s++) {
        let sq = 0;
        for (let k = 0; k < K; k++) sq += (total[s * K + k] as number) ** 2;
        sqR[s] = sq;
      }
      const order = sorted[f] as Int32Array;
      for (let t = 0; t < n; t++) {
        const i = order[t] as number;
        const s = slotOf[nodeOf[i] as number] as number;
        if (s < 0 || (masks[s] as Uint8Array)[f] === 0) continue;
        const v = col[i] as number;
        const nl = leftN[s] as number;
        const nr = (count[s] as number) - nl;
        if (nl >= minLeaf && nr >= minLeaf && v > (last[s] as number)) {
          const gain = (sqL[s] as number) / nl + (sqR[s] as number) / nr - (baseline[s] as number);
          if (gain > (bestGain[s] as number)) {
            bestGain[s] = gain;
            bestFeature[s] = f;
            const lo = last[s] as number;
            bestThreshold[s] = lo + (v - lo) / 2;
          }
        }
        // Move position i from the right side to the left side.
        if (target.kind === 'classification') {
          const k = s * K + (target.labels[i] as number);
          const l = leftStat[k] as number;
          const r = (total[k] as number) - l;
          sqL[s] = (sqL[s] as number) + 2 * l + 1;
          sqR[s] = (sqR[s] as number) - 2 * r + 1;
          leftStat[k] = l + 1;
        } else {
          const y = target.values[i] as number;
          const l = (leftStat[s] as number) + y;
          leftStat[s] = l;
          sqL[s] = l * l;
          sqR[s] = ((total[s] as number) - l) ** 2;
        }
        leftN[s] = nl + 1;
        last[s] = v;
      }
    }

    const next: number[] = [];
    const childOf = new Int32Array(S * 2).fill(-1);
    level.forEach((node, s) => {
      const f = bestFeature[s] as number;
      if (f < 0) return;
      const l = tree.feature.length;
      for (let c = 0; c < 2; c++) {
        tree.feature.push(-1);
        tree.threshold.push(0);
        tree.left.push(-1);
        tree.right.push(-1);
        tree.value.push(null);
      }
      tree.feature[node] = f;
      tree.threshold[node] = bestThreshold[s] as number;
      tree.left[node] = l;
      tree.right[node] = l + 1;
      childOf[2 * s] = l;
      childOf[2 * s + 1] = l + 1;
      next.push(l, l + 1);
    });
    if (next.length === 0) break;
    for (let i = 0; i < n; i++) {
      const s = slotOf[nodeOf[i] as number] as number;
      if (s < 0 || (bestFeature[s] as number) < 0) continue;
      const goLeft = ((cols[bestFeature[s] as number] as Float64Array)[i] as number) < (bestThreshold[s] as number);
      nodeOf[i] = childOf[2 * s + (goLeft ? 0 : 1)] as number;
    }
    level = next;
  }

  // Leaf values from the positions each leaf holds.
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const node = nodeOf[i] as number;
    const list = members.get(node);
    if (list) list.push(i);
    else members.set(node, [i]);
  }
  for (let node = 0; node < tree.feature.length; node++) {
    if ((tree.feature[node] as number) >= 0) continue;
    const pos = members.get(node) ?? [];
    if (target.kind === 'classification') {
      const v = new Float64Array(K);
      for (const i of pos) v[target.labels[i] as number] = (v[target.labels[i] as number] as number) + 1;
      if (pos.length > 0) for (let k = 0; k < K; k++) v[k] = (v[k] as number) / pos.length;
      tree.value[node] = v;
    } else {
      tree.value[node] = Float64Array.of(pos.length > 0 ? target.leafValue(pos) : 0);
    }
  }
  return tree;
}
