import { relative, sep } from 'node:path';
import {
  ConfigError,
  createRng,
  deriveSeed,
  flowIdOf,
  type LabelledSample,
  type NetflowRecord,
  type ProgressReporter,
  type RunConfig,
  type Rng,
} from '@netsynth/core';
import { labelForCapture } from '@netsynth/pcap';
import { expandRecordFiles } from './files.js';
import { RecordReader } from './reader.js';
import type { RecordSchema } from './schema.js';

type InputConfig = RunConfig['input'];

export interface LoadRecordSamplesOptions {
  seed: number;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface RecordSamples {
  samples: LabelledSample[];
  /** The first file's schema: synthetic.csv is written in it. */
  schema: RecordSchema;
  files: string[];
}

/** A record as a flow sample without packets (the record is the flow). */
export function sampleOfRecord(id: string, label: string, record: NetflowRecord, source?: string): LabelledSample {
  const a = { address: record.srcip, port: record.srcport };
  const b = { address: record.dstip, port: record.dstport };
  return {
    id,
    label,
    windowStart: 0,
    flow: {
      key: { protocol: record.proto, a, b },
      id: flowIdOf(record.proto, a, b),
      packets: [],
      directions: [],
      record,
      ...(source !== undefined && { source }),
    },
  };
}

/** Per-label reservoir (Algorithm R): at most `max` samples kept, each row equally likely, seeded. */
class Reservoir {
  readonly kept: { sample: LabelledSample; order: number }[] = [];
  private seen = 0;
  constructor(
    private readonly max: number,
    private readonly rng: Rng,
  ) {}
  add(sample: LabelledSample, order: number): void {
    this.seen++;
    if (this.max === 0 || this.kept.length < this.max) this.kept.push({ sample, order });
    else {
      const j = this.rng.int(this.seen);
      if (j < this.max) this.kept[j] = { sample, order };
    }
  }
}

function labelOf(row: Record<string, string>, file: string, input: InputConfig): string {
  if (input.labels.from !== 'column') return labelForCapture(file, input.labels);
  const column = input.labels.column ?? '';
  const v = row[column];
  if (v === undefined) throw new ConfigError(`${file} has no column "${column}"`, 'input.labels.column', undefined, 'a column of the record files');
  return v.trim() || 'unlabelled';
}

/**
 * Streams every record file of `input.records` into labelled samples (one per record),
 * keeping at most input.flows.maxSamplesPerLabel per label by reservoir sampling, so only
 * the kept records are ever held. Records with fewer than minPackets packets are dropped.
 * Sorted by label, file, line; ids are `<file>#<line>`.
 */
export async function loadRecordSamples(input: InputConfig, baseDir: string, options: LoadRecordSamplesOptions): Promise<RecordSamples> {
  const files = await expandRecordFiles(input.records, baseDir);
  const reservoirs = new Map<string, Reservoir>();
  const limit = input.flows.maxSamplesPerLabel;
  let schema: RecordSchema | undefined;
  let order = 0;
  const task = options.progress?.start('read records', files.length, 'files');
  try {
    for (const file of files) {
      const source = relative(baseDir, file).split(sep).join('/') || file;
      const reader = new RecordReader(file, { columns: input.recordColumns, ...(options.signal && { signal: options.signal }) });
      let rows = 0;
      for await (const { record, row, line } of reader.rows()) {
        rows++;
        if (record.pkt < input.flows.minPackets) continue;
        const label = labelOf(row, file, input);
        let r = reservoirs.get(label);
        if (!r) {
          const max = typeof limit === 'number' ? limit : (limit[label] ?? 0);
          r = new Reservoir(max, createRng(deriveSeed(options.seed, `records:${label}`)));
          reservoirs.set(label, r);
        }
        r.add(sampleOfRecord(`${source}#${line}`, label, record, source), order++);
      }
      schema ??= reader.schema;
      task?.tick(1, `${source}: ${rows} records`);
    }
  } finally {
    task?.done();
  }
  if (!schema) throw new ConfigError('the record files hold no record', 'input.records');
  const labels = [...reservoirs.keys()].sort();
  const samples = labels.flatMap((l) =>
    reservoirs
      .get(l)!
      .kept.sort((x, y) => x.order - y.order)
      .map((k) => k.sample),
  );
  return { samples, schema, files };
}
