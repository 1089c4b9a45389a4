// GASF encoding speed on synthetic (seeded) series; no shared data needed.
// gasf.encode: 300-point packet-size series → normalise → GASF → pixel mapping + γ = 0.25 →
//   INTER_AREA resize to 32×32, one channel, through GasfEncoder.encodeSeries (the training path).
// gasf.encode.3ch: the same with size + direction + iat channels (3×32×32).
// gasf.decode: 32×32 tensor → series from the diagonal → 300 stretched points → TCP packets.
import { createRng } from '@netsynth/core';
import { GasfEncoder } from '@netsynth/encoder-gasf';
import { syntheticSeries, throughput } from '@netsynth/test-support';

const LENGTH = 300;
const RESOLUTION = 32;
const COUNT = 256;

const rng = createRng(20240601);
// Gaps from 10 µs to 1 s.
const flows = Array.from({ length: COUNT }, () => syntheticSeries(rng, LENGTH, 50 + rng.int(LENGTH), 1e-5, 1e5));

const one = GasfEncoder.create({ features: ['size'], length: LENGTH, resolution: RESOLUTION });
one.fitSeries(flows);
const encodeRate = throughput(() => {
  for (const f of flows) one.encodeSeries(f);
  return flows.length;
});
console.log(JSON.stringify({ bench: 'gasf.encode', images_per_s: Math.round(encodeRate), length: LENGTH, resolution: RESOLUTION, channels: 1 }));

const three = GasfEncoder.create({ features: ['size', 'direction', 'iat'], length: LENGTH, resolution: RESOLUTION, iatScale: 'log' });
three.fitSeries(flows);
const encode3Rate = throughput(() => {
  for (const f of flows) three.encodeSeries(f);
  return flows.length;
});
console.log(JSON.stringify({ bench: 'gasf.encode.3ch', images_per_s: Math.round(encode3Rate), length: LENGTH, resolution: RESOLUTION, channels: 3 }));

const tensors = flows.map((f) => three.encodeSeries(f).tensor);
const packets = tensors.reduce((sum, t) => sum + three.decode(t, 'bench').packets.length, 0);
const decodeRate = throughput(() => {
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
