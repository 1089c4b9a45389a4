export * from './stats/jsd.js';
export * from './stats/wasserstein.js';
export * from './stats/summary.js';
export * from './fields.js';
export * from './features.js';
export * from './pool.js';
export * from './split.js';
export * from './sections.js';
export * from './table.js';
export * from './craft.js';
export * from './floor.js';
export * from './evaluator.js';
// The flow a sample was cut from (ids FILE#FLOW@WINDOW), for evaluators that join windows into flows.
export { flowOfSampleId } from '@netsynth/pcap';
