/** Where each stage writes, relative to the output folder (documented in the README). */
export const OUT = {
  ingestSamples: 'ingest/samples.json',
  encoderState: 'encoded/encoder.json',
  trainTensors: 'encoded/train.safetensors',
  holdoutTensors: 'encoded/holdout.safetensors',
  realImages: 'images/real',
  model: 'model',
  generatedTensors: 'generated/samples.safetensors',
  syntheticImages: 'images/synthetic',
  decoded: 'decoded/samples.jsonl',
  decodeProblems: 'decoded/problems.json',
  constraintsReport: 'constraints/report.json',
  constraintsChanges: 'constraints/changes.jsonl',
  repaired: 'constraints/samples.jsonl',
  syntheticPcap: 'synthetic.pcap',
  /** `output.labels: comments`: the capture again, `label=<class> flow=<id>` on every packet. */
  syntheticPcapng: 'synthetic.pcapng',
  /** `output.labels: per-class`: one pcap per class. */
  byClass: 'by-class',
  /** One row per final sample: 5-tuple, label, start, end, packets, bytes (beside the pcap). */
  flowsCsv: 'flows.csv',
  /** A records run's synthetic records, in the input's CSV schema. */
  syntheticCsv: 'synthetic.csv',
  repairedPcap: 'repaired.pcap',
  evaluation: 'evaluation',
  metrics: 'metrics.json',
  /** The metrics in long format (evaluator, metric, class, value, real, synthetic, floor). */
  metricsCsv: 'metrics.csv',
  report: 'report.html',
  manifest: 'manifest.json',
  work: 'work',
} as const;

/** Images rendered per label and split: enough to look at, without one PNG per training sample. */
export const IMAGES_PER_LABEL = 16;
/** Images per class and side in report.html's grids. */
export const REPORT_IMAGES_PER_CLASS = 8;
/** Real examples per label handed to generators that are steered by them (ControlNet). */
export const REFERENCES_PER_LABEL = 16;

/** A label as a folder name: anything but letters, digits, dot, dash and underscore becomes `_`. */
export function safeName(label: string): string {
  const s = label.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || s === '.' || s === '..' ? '_' : s;
}
