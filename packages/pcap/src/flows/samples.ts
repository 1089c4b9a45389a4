import { relative, sep } from 'node:path';
import { createRng, deriveSeed, type Flow, type LabelledSample, type ProgressReporter, type RunConfig } from '@netsynth/core';
import { CaptureReader } from '../reader/capture-reader.js';
import type { CaptureWarning } from '../reader/types.js';
import { expandInputFiles } from '../input-files.js';
import { FlowAssembler, windowFlow } from './assembler.js';
import type { TruncationCounts } from '../truncation.js';
import { labelForCapture } from './labels.js';
import { Reservoir, compactFlow } from './reservoir.js';

/** `input` of a run config; the holdout split is the runner's business, not the reader's. */
export type InputConfig = Omit<RunConfig['input'], 'split'>;

export interface LoadSamplesOptions {
  /** Seed for the maxSamplesPerLabel choice (default 0). */
  seed: number;
  progress?: ProgressReporter;
  onWarning?: (warning: CaptureWarning) => void;
  signal?: AbortSignal;
  /**
   * Packets the open flows of a capture may hold before their whole windows leave early
   * (default DEFAULT_MAX_OPEN_PACKETS; see FlowAssembler `pieces`). Below it, windows leave
   * when their flow ends, as always.
   */
  maxOpenPackets?: number;
  /** Adds every capture's snap-length cuts here (reported by encode and run: never dropped silently). */
  truncated?: TruncationCounts;
}

/**
 * Default `maxOpenPackets`: 262144 packets are ~100 MB of packets and flow arrays, well above
 * what open flows of a lab capture hold, so only a long-lived flow of a big capture (one that
 * never goes idle) is windowed before it ends.
 */
export const DEFAULT_MAX_OPEN_PACKETS = 262144;

/**
 * FlowAssembler `ownBytesEvery` for loadSamples: the reader's slabs that open flows may pin
 * stay within about this much (4 MiB) of new packet data, whatever the open flows hold.
 */
const OWN_BYTES_EVERY = 4 * 1024 * 1024;

/** File name patterns taken from a directory given in `input.captures`. */
const CAPTURE_PATTERNS = ['**/*.pcap', '**/*.pcapng', '**/*.cap'];

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/**
 * Expands `input.captures` (files, directories, globs; relative to baseDir) into a sorted,
 * de-duplicated list of absolute paths. An entry matching nothing is a ConfigError at
 * `input.captures.N`.
 */
export function expandCaptures(captures: readonly string[], baseDir: string): Promise<string[]> {
  return expandInputFiles(captures, baseDir, {
    patterns: CAPTURE_PATTERNS,
    configKey: 'input.captures',
    extensions: '.pcap, .pcapng or .cap file',
    noun: 'capture',
  });
}

/**
 * The flow a sample was cut from: its id up to the last `@` (loadSamples' ids are
 * `FILE#FLOW@WINDOW`). An id without `@` is a flow of its own (a generated sample).
 */
export function flowOfSampleId(id: string): string {
  const at = id.lastIndexOf('@');
  return at < 0 ? id : id.slice(0, at);
}

interface Candidate {
  sample: LabelledSample;
  source: string;
  flowIndex: number;
}

/**
 * Reads every capture of `input`, assembles flows (input.flows.idleTimeoutSeconds), drops
 * flows with fewer than minPackets packets, splits the rest into windows of windowPackets
 * (a trailing window shorter than minPackets is dropped too), labels them
 * (input.labels), keeps at most maxSamplesPerLabel per label, and returns them sorted by
 * label, capture (path relative to baseDir), flow, window.
 * Sample ids are `<capture>#<flow index>@<window start>`, the flow index counting flows in
 * the order they start in the capture.
 *
 * Streaming: flows are windowed as they end, and with maxSamplesPerLabel each label keeps a
 * seeded reservoir sample (a uniform choice over all its windows, in capture order), so
 * memory is the open flows plus the samples kept, not every flow of every capture. When the
 * open flows hold more than `maxOpenPackets` packets, the whole windows of long open flows
 * leave before their flow ends (the same windows, ids and order; only the reservoir may see
 * them earlier), so a flow that never goes idle does not hold the capture either.
 */
export async function loadSamples(input: InputConfig, baseDir: string, options: LoadSamplesOptions = { seed: 0 }): Promise<LabelledSample[]> {
  const files = await expandCaptures(input.captures, baseDir);
  const { flows: flowConfig } = input;
  const limit = flowConfig.maxSamplesPerLabel;
  const reservoirs = new Map<string, Reservoir<Candidate>>();
  const reservoirOf = (label: string): Reservoir<Candidate> => {
    let r = reservoirs.get(label);
    if (!r) {
      const max = typeof limit === 'number' ? limit : (limit[label] ?? 0);
      r = new Reservoir<Candidate>(max, createRng(deriveSeed(options.seed, `samples:${label}`)));
      reservoirs.set(label, r);
    }
    return r;
  };
  const task = options.progress?.start('load captures', files.length, 'files');
  try {
    for (const file of files) {
      const source = toPosix(relative(baseDir, file)) || file;
      const flows = await streamSamples(file, source, labelForCapture(file, input.labels), flowConfig, reservoirOf, options);
      task?.tick(1, `${source}: ${flows} flows`);
    }
  } finally {
    task?.done();
  }
  const out: Candidate[] = [];
  for (const r of reservoirs.values()) out.push(...r.items);
  out.sort(compareCandidates);
  return out.map((c) => c.sample);
}

/** One capture's windows into the label's reservoir, flow by flow as flows end; returns the flow count. */
async function streamSamples(
  file: string,
  source: string,
  label: string,
  flowConfig: InputConfig['flows'],
  reservoirOf: (label: string) => Reservoir<Candidate>,
  options: LoadSamplesOptions,
): Promise<number> {
  const assembler = new FlowAssembler({
    idleTimeoutSeconds: flowConfig.idleTimeoutSeconds,
    source,
    pieces: { heldPackets: options.maxOpenPackets ?? DEFAULT_MAX_OPEN_PACKETS, piecePackets: flowConfig.windowPackets },
    ownBytesEvery: OWN_BYTES_EVERY,
  });
  const reservoir = reservoirOf(label);
  // Kept windows get bytes of their own only when a reservoir may keep them long.
  const keep = reservoir.max > 0 ? (c: Candidate): Candidate => ({ ...c, sample: { ...c.sample, flow: compactFlow(c.sample.flow) } }) : undefined;
  const take = (flows: Flow[]): void => {
    for (const flow of flows) {
      // A later piece of a flow (start > 0) belongs to a flow longer than one window.
      const start = assembler.startOf(flow);
      if (start === 0 && flow.packets.length < flowConfig.minPackets) continue;
      const flowIndex = assembler.indexOf(flow);
      windowFlow(flow, flowConfig.windowPackets).forEach((w, k) => {
        if (w.packets.length < flowConfig.minPackets) return;
        const windowStart = start + k * flowConfig.windowPackets;
        reservoir.offer({ sample: { id: `${source}#${flowIndex}@${windowStart}`, label, flow: w, windowStart }, source, flowIndex }, keep);
      });
    }
  };
  const reader = new CaptureReader(file, {
    ...(options.signal !== undefined && { signal: options.signal }),
    onWarning: (w) => {
      options.onWarning?.(w);
      options.progress?.warn(`${w.file}, offset ${w.offset}: ${w.message}`);
    },
  });
  for await (const batch of reader.batches()) for (const p of batch) take(assembler.add(p));
  take(assembler.flush());
  if (options.truncated) {
    options.truncated.packets += assembler.stats.truncated.packets;
    options.truncated.headers += assembler.stats.truncated.headers;
  }
  return assembler.stats.flows;
}

function compareCandidates(x: Candidate, y: Candidate): number {
  if (x.sample.label !== y.sample.label) return x.sample.label < y.sample.label ? -1 : 1;
  if (x.source !== y.source) return x.source < y.source ? -1 : 1;
  if (x.flowIndex !== y.flowIndex) return x.flowIndex - y.flowIndex;
  return x.sample.windowStart - y.sample.windowStart;
}
