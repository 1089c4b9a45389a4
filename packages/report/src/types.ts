import type { EvaluationResult, RenderedImage } from '@netsynth/core';

/** Real and synthetic renders of one class, shown side by side. */
export interface ReportImageGroup {
  label: string;
  real: RenderedImage[];
  synthetic: RenderedImage[];
}

export interface ReportInput {
  title?: string;
  /** Shown in the header and stored in metrics.json; omit for byte-identical reruns. */
  generatedAt?: string;
  /** What was compared, e.g. { real: "lab/web.pcap", synthetic: "out/synthetic.pcap" }. */
  inputs?: Record<string, string>;
  results: EvaluationResult[];
  images?: ReportImageGroup[];
  /** Free-text remarks (warnings from the run, seeds...). */
  notes?: string[];
  /** The generator's training loss per step (loss-history.json in the model folder), plotted in the report. */
  lossHistory?: { step: number; loss: number }[];
}

export interface ReportOptions {
  /** Images per class and side in the grids (default 8). */
  imagesPerClass?: number;
  /** Side of each image thumbnail in CSS pixels (default 96). */
  thumbnailSize?: number;
}
