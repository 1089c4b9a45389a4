import { definePlugin } from '@netsynth/core';
import { ENCODER_NAME, GasfEncoder } from './encoder.js';
import { gasfOptionsSchema } from './options.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export { GasfEncoder, ENCODER_NAME, type FeatureSeries, type GasfDecodedSample, type GasfEncodeReport } from './encoder.js';
export { gasfOptionsSchema, decodeOptionsSchema, scaleOptionsSchema, type DecodeOptions, type GasfOptions, type GasfOptionsInput } from './options.js';
export { FEATURES, FEATURE_NAMES, ETHERNET_MTU, type FeatureFacts, type FeatureName } from './features.js';
export { gasf, gasfImage, gasfToSeries, diagonalToSeries, gasfValueToPixel, pixelToHalfGasf, NETDIFFUS_MAPPING, type PixelMapping } from './gasf.js';
export { areaResize, areaTaps, type AxisTaps } from './resize.js';
export { createNormaliser, denormalise, normalise, scaleOf, type Normaliser } from './normalise.js';
export { extractSeries, extractAllSeries, DEFAULT_SERIES_OPTIONS, type SeriesOptions } from './series.js';
// Part of this plugin's API before it moved to @netsynth/pcap.
export { ipLength } from '@netsynth/pcap';
export { seriesToPackets, bytesPerBinPackets, minPacketSize, type PacketTemplate, type SeriesPackets } from './packets.js';
export { pixelToTensor, tensorToPixel, valueRangeOf, type TensorRange } from './tensor-range.js';
export { renderTensor, type RenderLayout } from './render.js';

export default definePlugin({
  name: ENCODER_NAME,
  kind: 'encoder',
  version: pkg.version,
  description: 'GASF images (NetDiffus) of packet-size, direction, inter-arrival and bytes-per-bin series, invertible to series and timed packets',
  options: gasfOptionsSchema,
  create: (options, ctx) => new GasfEncoder(options, { seed: ctx.seed }),
});
