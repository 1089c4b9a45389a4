// Fit + predict time of each classifier family on a synthetic 7-class problem the size of a
// typical downstream run (2 000 training rows, 45 features), one JSON line.
import { classifierFamilies, downstreamOptionsSchema, score } from '@netsynth/evaluator-downstream';
import { createRng } from '@netsynth/core';

const n = 2000;
const d = 45;
const k = 7;
const rng = createRng(1);
const make = () => {
  const rows = [];
  const labels = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels.push(c);
    rows.push(Array.from({ length: d }, (_, j) => (j % k === c ? 1 : 0) + 2 * rng.next() + (j > 30 ? rng.int(6) : 0)));
  }
  return { rows, labels };
};
const train = make();
const test = make();
const out = { bench: 'downstream.classifiers', rows: n, features: d, classes: k };
for (const family of classifierFamilies(downstreamOptionsSchema.parse({}))) {
  const t0 = performance.now();
  const model = await family.fit({ ...train, classes: k }, 1);
  const predicted = await model.predict(test.rows);
  await model.dispose?.();
  out[`${family.id}_s`] = Number(((performance.now() - t0) / 1000).toFixed(3));
  out[`${family.id}_accuracy`] = Number(score(test.labels, predicted).accuracy.toFixed(3));
}
console.log(JSON.stringify(out));
