/**
 * The graph-import rules added for real SD exports (src/lora/replay-ops.ts): the rewritten
 * differentiable ops (two-operand Einsum, Where on data with a constant condition, a
 * materialised fill) checked against a direct JS evaluation and their nn gradients against
 * central finite differences (both in onnxruntime, float32); the constant folder on the
 * shape logic torch emits (Range, ConstantOfShape, Equal/Where, Expand, Reshape, Cast, Div).
 */
import { createRng } from '@netsynth/core';
import { Graph, gradients, ops as op, serializeGraph, type ConstData, type Value } from '@netsynth/nn';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { constNumbers, einsum, foldNode, materialise, whereData } from '../src/lora/replay-ops.js';
import type { NodeProto } from '../src/onnx/proto.js';

type Build = (g: Graph, xs: Value[]) => Value;

/** Runs f, checks the forward against `ref` and ∂(Σ f·W)/∂x against central differences. */
async function check(shapes: number[][], build: Build, ref?: (xs: Float32Array[]) => number[]): Promise<void> {
  const rng = createRng(11);
  const g = new Graph();
  const ins = shapes.map((s, i) => g.input(`x${i}`, s));
  const y = build(g, ins);
  const w = g.floats(
    Array.from({ length: y.size }, () => rng.normal()),
    y.shape,
  );
  const loss = op.reduceSumAll(op.mul(y, w));
  const grads = gradients(g, loss, ins);
  const outs: Record<string, Value> = { loss, y: op.identity(y) };
  ins.forEach((v, i) => (outs[`g${i}`] = grads.get(v) as Value));
  const s = await ort.InferenceSession.create(serializeGraph(g, outs));
  const data = shapes.map((sh) => Float32Array.from({ length: sh.reduce((a, b) => a * b, 1) }, () => rng.normal()));
  const run = async (xs: Float32Array[]) => s.run(Object.fromEntries(xs.map((x, i) => [`x${i}`, new ort.Tensor('float32', x, shapes[i] as number[])])));
  const r = await run(data);
  if (ref) {
    const want = ref(data);
    const got = r.y?.data as Float32Array;
    for (let k = 0; k < want.length; k++) expect(Math.abs((got[k] as number) - (want[k] as number))).toBeLessThan(1e-4);
  }
  const eps = 1e-2;
  for (let i = 0; i < shapes.length; i++) {
    const gr = r[`g${i}`]?.data as Float32Array;
    for (let t = 0; t < 6; t++) {
      const k = rng.int(gr.length);
      const plus = data.map((d) => d.slice());
      const minus = data.map((d) => d.slice());
      const pi = plus[i] as Float32Array;
      const mi = minus[i] as Float32Array;
      pi[k] = (pi[k] as number) + eps;
      mi[k] = (mi[k] as number) - eps;
      const fd = (((await run(plus)).loss?.data as Float32Array)[0]! - ((await run(minus)).loss?.data as Float32Array)[0]!) / (2 * eps);
      expect(Math.abs(fd - (gr[k] as number))).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
  }
  await s.release();
}

/** Direct einsum for the test equations (letters → loops). */
function einsumRef(eq: string, a: Float32Array, as: number[], b: Float32Array, bs: number[]): number[] {
  const [lhs, out] = eq.replace(/\s+/g, '').split('->') as [string, string];
  const [la, lb] = lhs.split(',') as [string, string];
  const dim = new Map<string, number>();
  [...la].forEach((l, i) => dim.set(l, as[i] as number));
  [...lb].forEach((l, i) => dim.set(l, bs[i] as number));
  const letters = [...dim.keys()];
  const res = new Array<number>([...out].reduce((p, l) => p * (dim.get(l) as number), 1)).fill(0);
  const idx = new Map<string, number>(letters.map((l) => [l, 0]));
  const flat = (ls: string, sh: number[]): number => [...ls].reduce((o, l, i) => o * (sh[i] as number) + (idx.get(l) as number), 0);
  const total = letters.reduce((p, l) => p * (dim.get(l) as number), 1);
  for (let n = 0; n < total; n++) {
    let r = n;
    for (let i = letters.length - 1; i >= 0; i--) {
      const l = letters[i] as string;
      idx.set(l, r % (dim.get(l) as number));
      r = Math.floor(r / (dim.get(l) as number));
    }
    const o = flat(
      out,
      [...out].map((l) => dim.get(l) as number),
    );
    res[o] = (res[o] as number) + (a[flat(la, as)] as number) * (b[flat(lb, bs)] as number);
  }
  return res;
}

describe('graph-import rewrites: forward and finite-difference gradients', () => {
  for (const [eq, as, bs] of [
    ['b i d, b j d -> b i j', [2, 3, 4], [2, 5, 4]],
    ['b i j, b j d -> b i d', [2, 3, 5], [2, 5, 4]],
    ['ijk,jkl->li', [2, 3, 4], [3, 4, 2]],
    ['bik,bjd->bji', [2, 3, 2], [2, 4, 3]],
  ] as [string, number[], number[]][]) {
    it(`Einsum "${eq}"`, async () => {
      await check(
        [as, bs],
        (_g, [x, y]) => einsum(eq, x as Value, y as Value),
        ([a, b]) => einsumRef(eq, a as Float32Array, as, b as Float32Array, bs),
      );
    });
  }

  it('Where with a constant condition: data/constant (−1e9 mask, then Softmax) and data/data', async () => {
    const cond: ConstData = { dtype: 'bool', shape: [1, 5], data: Uint8Array.of(1, 0, 1, 1, 0) };
    await check([[3, 5]], (g, [x]) => op.softmax(whereData(g, cond, x as Value, { dtype: 'float32', shape: [], data: Float32Array.of(-1e9) }), -1));
    await check(
      [
        [3, 5],
        [3, 1],
      ],
      (g, [x, y]) => whereData(g, cond, x as Value, op.mul(y as Value, 2)),
      ([x, y]) => Array.from(x as Float32Array, (v, k) => ((cond.data as Uint8Array)[k % 5] ? v : 2 * ((y as Float32Array)[Math.floor(k / 5)] as number))),
    );
  });

  it('a materialised fill broadcasts like the ConstantOfShape it replaces', async () => {
    await check(
      [[2, 3]],
      (g, [x]) => op.mul(op.add(x as Value, materialise(g, { value: 0.5, shape: [2, 3] })), x as Value),
      ([x]) => Array.from(x as Float32Array, (v) => (v + 0.5) * v),
    );
  });
});

describe('constant folding of torch shape logic', () => {
  const node = (opType: string): NodeProto =>
    ({ name: opType, opType, domain: '', input: [], output: ['o'], attribute: [], docString: '' }) as unknown as NodeProto;
  const i64 = (xs: number[], shape = [xs.length]): ConstData => ({ dtype: 'int64', shape, data: BigInt64Array.from(xs.map(BigInt)) });
  const f32 = (xs: number[], shape = [xs.length]): ConstData => ({ dtype: 'float32', shape, data: Float32Array.from(xs) });
  const noAttr = (_: string, d: number): number => d;
  const fold = (opType: string, ins: ConstData[], value?: ConstData, attr = noAttr) => foldNode(node(opType), ins, attr, value);

  it('Range (int64 and float), ConstantOfShape (int64 folded, float left symbolic)', () => {
    expect(constNumbers(fold('Range', [i64([0], []), i64([5], []), i64([2], [])]) as ConstData)).toEqual([0, 2, 4]);
    const r = fold('Range', [f32([0], []), f32([1], []), f32([0.25], [])]) as ConstData;
    expect(r.dtype).toBe('float32');
    expect(constNumbers(r)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(constNumbers(fold('ConstantOfShape', [i64([3])], i64([1], [1])) as ConstData)).toEqual([1, 1, 1]);
    expect(fold('ConstantOfShape', [i64([2, 2])], f32([0], [1]))).toBeUndefined();
  });

  it("torch's expand(): Equal(size, −1) → Where(ones) → Expand; Reshape with 0/−1; integer Div truncates; Cast", () => {
    const size = i64([2, -1]);
    const ones = fold('ConstantOfShape', [i64([2])], i64([1], [1])) as ConstData;
    const eq = fold('Equal', [size, fold('Mul', [ones, i64([-1], [])]) as ConstData]) as ConstData;
    expect(eq.dtype).toBe('bool');
    const shape = fold('Where', [eq, ones, size]) as ConstData;
    expect(constNumbers(shape)).toEqual([2, 1]);
    const ex = fold('Expand', [i64([7, 8], [1, 2]), shape]) as ConstData;
    expect(ex.shape).toEqual([2, 2]);
    expect(constNumbers(ex)).toEqual([7, 8, 7, 8]);
    expect(fold('Reshape', [i64([1, 2, 3, 4, 5, 6], [2, 3]), i64([0, -1])])?.shape).toEqual([2, 3]);
    expect(fold('Reshape', [i64([1, 2, 3, 4, 5, 6], [2, 3]), i64([-1])])?.shape).toEqual([6]);
    expect(constNumbers(fold('Div', [i64([-7, 7]), i64([2], [])]) as ConstData)).toEqual([-3, 3]);
    const c = fold('Cast', [i64([3, 4])], undefined, (a, d) => (a === 'to' ? 9 : d)) as ConstData;
    expect(c.dtype).toBe('bool');
    expect(constNumbers(fold('Not', [c]) as ConstData)).toEqual([0, 0]);
  });
});
