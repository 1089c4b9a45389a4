import { dirname, join, relative, resolve } from 'node:path';
import { parseRunConfig, writeFileAtomic, type AnyPluginDefinition } from '@netsynth/core';
import { RECORD_FIELDS, guessColumns, readRecordHeader, type RecordField } from '@netsynth/records';
import { parseYamlConfig } from './config-file.js';
import { chooseLabels, type LabelChoice } from './init-labels.js';
import type { CliIo } from './io.js';
import { toJson } from './json.js';
import { relativeToConfig } from './init-config.js';
import { discoverPlugins } from './plugin-discovery.js';

export const RECORD_FILE = /\.csv$/i;

/** The plugins a records starter uses, when installed: the record encoder, the 1-D DDPM, the record evaluators. */
const ENCODER = '@netsynth/encoder-flowrecord';
const GENERATOR = '@netsynth/generator-ddpm';
const EVALUATORS = ['@netsynth/evaluator-netflow', '@netsynth/evaluator-sketch', '@netsynth/evaluator-anomaly'];
/** Records kept per label and made per label in a first run (small enough for a laptop). */
const MAX_SAMPLES = 2000;
const SAMPLES_PER_LABEL = 200;
const STARTER_STEPS = 1000;

export interface RecordsStarter {
  text: string;
  records: string[];
  columns: Partial<Record<RecordField, string>>;
  labelColumn?: string;
  labels: string[];
  /** Why labels come from that column or from file names. */
  labelReason: string;
  plugins: string[];
}

const q = (s: string): string => JSON.stringify(s);

/**
 * A starter config for a folder of record CSVs: the column map its header needs (NetShare's
 * names need none), labels from a label column when every file has one (chooseLabels), the flow-record encoder,
 * the 1-D DDPM and the record evaluators; no pcap output.
 */
export async function recordsStarterConfig(dir: string, files: readonly string[], installed: readonly AnyPluginDefinition[]): Promise<RecordsStarter> {
  const header = await readRecordHeader(join(dir, files[0]!));
  const guessed = guessColumns(header);
  const columns = Object.fromEntries(RECORD_FIELDS.filter((f) => guessed[f] !== undefined && guessed[f] !== f).map((f) => [f, guessed[f]!])) as Partial<
    Record<RecordField, string>
  >;
  const choice: LabelChoice = await chooseLabels(
    files.map((f) => join(dir, f)),
    columns,
  );
  const label = choice.from === 'column' ? choice : undefined;
  const has = (name: string): boolean => installed.some((d) => d.name === name);
  const evaluators = EVALUATORS.filter(has);
  const lines: string[] = [
    '# netsynth run config for NetFlow-style records, written by `netsynth init`. Every key is',
    "# explained in the runner's README (config reference); `netsynth plugins` lists each plugin's options.",
    'version: 1',
    'seed: 0',
    '',
    'input:',
    "  # Record CSVs, relative to this file; synthetic.csv comes out in the first one's columns.",
    '  records:',
    ...files.map((f) => `    - ${q(f)}`),
  ];
  if (Object.keys(columns).length) {
    lines.push('  recordColumns:   # record field → the column of these files holding it');
    for (const [f, c] of Object.entries(columns)) lines.push(`    ${f}: ${q(c)}`);
  }
  lines.push('  labels:');
  if (label)
    lines.push(
      `    from: column`,
      `    column: ${q(label.column)}   # labels seen: ${label.labels.slice(0, 12).join(', ')}${label.labels.length > 12 ? ', …' : ''}`,
    );
  else lines.push(`    from: filename    # ${choice.reason}`);
  lines.push('  flows:');
  lines.push('    minPackets: 1');
  lines.push(`    maxSamplesPerLabel: ${MAX_SAMPLES}  # a first run on a sample of each class; 0 = every record`);
  lines.push('  holdout: 0.2');
  lines.push('');
  if (has(ENCODER)) lines.push('encoder:', `  plugin: ${q(ENCODER)}`, '  options: { addresses: true }   # NetShare: IPv4 addresses and ports as bits');
  if (has(ENCODER) && has(GENERATOR)) {
    lines.push('', 'generator:', `  plugin: ${q(GENERATOR)}`);
    lines.push(`  options: { dims: 1, steps: ${STARTER_STEPS} }   # 1-D U-Net over each record; raise steps for better records`);
    lines.push(`  samplesPerLabel: ${SAMPLES_PER_LABEL}`);
  }
  lines.push('', evaluators.length ? 'evaluators:' : 'evaluators: []', ...evaluators.map((e) => `  - plugin: ${q(e)}`));
  lines.push('', 'output:', '  dir: out', '  pcap: false     # records in, records out (synthetic.csv); true also writes packets', '  images: false');
  const text = `${lines.join('\n')}\n`;
  parseRunConfig(parseYamlConfig(text, 'netsynth.yaml').raw);
  return {
    text,
    records: [...files],
    columns,
    ...(label && { labelColumn: label.column }),
    labels: label?.labels ?? [],
    labelReason: choice.reason,
    plugins: [...(has(ENCODER) ? [ENCODER] : []), ...(has(ENCODER) && has(GENERATOR) ? [GENERATOR] : []), ...evaluators],
  };
}

/** `netsynth init DIR` on a folder of record CSVs: writes the records starter and says what it found. */
export async function initRecords(dir: string, files: readonly string[], flags: { config: string; force?: boolean; json?: boolean }, io: CliIo): Promise<void> {
  const { plugins } = await discoverPlugins([], dir);
  const file = resolve(dir, flags.config);
  // The config names (and the starter reads) the files relative to the config file's folder.
  const starter = await recordsStarterConfig(
    dirname(file),
    relativeToConfig(file, dir, files),
    plugins.map((p) => p.def),
  );
  await writeFileAtomic(file, starter.text, { force: flags.force ?? false });
  if (flags.json) {
    io.stdout.write(`${toJson({ file, ...starter, text: undefined })}\n`);
    return;
  }
  const shown = relative(io.cwd, file) || file;
  const labels = starter.labelColumn ? `labels from column ${starter.labelColumn} (${starter.labels.join(', ')})` : 'labels from file names';
  const why = `labels: ${starter.labelReason}`;
  io.stdout.write(
    [
      `wrote ${shown}: ${files.length} record file(s), ${labels}`,
      why,
      `plugins: ${starter.plugins.join(', ') || 'none installed'}`,
      `next: netsynth run ${shown}   (synthetic.csv goes to ${join(relative(io.cwd, dirname(file)) || '.', 'out')})`,
      '',
    ].join('\n'),
  );
}
