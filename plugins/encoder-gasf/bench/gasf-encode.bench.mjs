// GASF encoding speed on synthetic (seeded) series; no shared data needed.
// gasf.encode: 300-point packet-size series → normalise → GASF → pixel mapping + γ = 0.25 →
//   INTER_AREA resize to 32×32, one channel, through GasfEncoder.encodeSeries (the training path).
// gasf.encode.3ch: the same with size + direction + iat channels (3×32×32).
// gasf.decode: 32×32 tensor → series from the diagonal → 300 stretched points → TCP packets.
import { createRng } from '@netsynth/core';
import { GasfEncoder } from '@netsynth/encoder-gasf';

const LENGTH = 300;
const RESOLUTION = 32;
const COUNT = 256;

function measure(run, minSeconds = 2) {
  run(); // warm-up
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minSeconds) {
    done += run();
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return done / elapsed;
}

const rng = createRng(20240601);
const flows = Array.from({ length: COUNT }, () => {
  const packets = 50 + rng.int(LENGTH);
  const size = new Float64Array(LENGTH);
  const direction = new Float64Array(LENGTH);
  const iat = new Float64Array(LENGTH);
  for (let i = 0; i < Math.min(packets, LENGTH); i++) {
    size[i] = 40 + rng.int(1461);
    direction[i] = rng.next() < 0.4 ? 1 : -1;
    iat[i] = i === 0 ? 0 : Math.exp(Math.log(1e-5) + Math.log(1e5) * rng.next());
  }
  return { size, direction, iat };
});

const one = GasfEncoder.create({ features: ['size'], length: LENGTH, resolution: RESOLUTION });
one.fitSeries(flows);
const encodeRate = measure(() => {
  for (const f of flows) one.encodeSeries(f);
  return flows.length;
});
console.log(JSON.stringify({ bench: 'gasf.encode', images_per_s: Math.round(encodeRate), length: LENGTH, resolution: RESOLUTION, channels: 1 }));

const three = GasfEncoder.create({ features: ['size', 'direction', 'iat'], length: LENGTH, resolution: RESOLUTION, iatScale: 'log' });
three.fitSeries(flows);
const encode3Rate = measure(() => {
  for (const f of flows) three.encodeSeries(f);
  return flows.length;
});
console.log(JSON.stringify({ bench: 'gasf.encode.3ch', images_per_s: Math.round(encode3Rate), length: LENGTH, resolution: RESOLUTION, channels: 3 }));

const tensors = flows.map((f) => three.encodeSeries(f).tensor);
const packets = tensors.reduce((sum, t) => sum + three.decode(t, 'bench').packets.length, 0);
const decodeRate = measure(() => {
  for (const t of tensors) three.decode(t, 'bench');
  return tensors.length;
});
console.log(
  JSON.stringify({
    bench: 'gasf.decode',
    images_per_s: Math.round(decodeRate),
    length: LENGTH,
    resolution: RESOLUTION,
    channels: 3,
    packets_per_image: Math.round((packets / tensors.length) * 10) / 10,
  }),
);
