import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { rm } from 'node:fs/promises';
import { Option } from 'commander';
import {
  createRng,
  deriveSeed,
  InterruptedError,
  InvalidArgumentError,
  OutputExistsError,
  removeStaleTempFiles,
  parsePluginOptions,
  writeFileAtomic,
  writeOrAbort,
  type Encoder,
  type EncoderInfo,
  type JsonValue,
  type PluginContext,
  type PluginFileFormat,
  type ProgressReporter,
} from '@netsynth/core';
import { CaptureReader, emptyTruncationCounts, expandCaptures, loadSamples } from '@netsynth/pcap';
import type { CliCommand } from '../command.js';
import { toJson } from '../json.js';
import { formatTruncation } from '../pipeline/stages/common.js';
import { PluginLoader, shortPluginSpec, type LoadedPlugin } from '../plugin-loader.js';
import { writePngFile } from '../png.js';
import { safeName } from '../pipeline/paths.js';
import { shareOfList, type Shard } from '../pipeline/shard.js';
import { createProgressReporter } from '../progress.js';
import { TensorFileWriter } from '../tensor-file.js';
import { parseNonNegativeInt, parsePositiveNumber, shardOption } from './options.js';

/**
 * What `netsynth encode CAPTURE --out DIR` writes, and `netsynth decode DIR` reads:
 *   DIR/encoder.json         { plugin, version, options, info, state }
 *   DIR/tensors.safetensors  every sample's tensor (see tensor-file.ts), labels and ids
 *   DIR/samples.json         [{ id, label, packets, startNs }]: the first packet's time of each sample
 *   DIR/images/LABEL/N.png   encoder.render() of each sample
 */
export const ENCODED_DIR = {
  encoder: 'encoder.json',
  tensors: 'tensors.safetensors',
  samples: 'samples.json',
  images: 'images',
} as const;

export interface EncodedDirEncoder {
  plugin: string;
  version: string;
  options: JsonValue;
  info: EncoderInfo;
  state: JsonValue;
}

export interface EncodedDirSample {
  id: string;
  label: string;
  packets: number;
  /** Timestamp (ns, decimal) of the sample's first packet; decoding adds it back. */
  startNs: string;
}

/** "nprint" → "@netsynth/encoder-nprint"; package names and paths stay as they are. */
export function encoderSpec(name: string): string {
  return shortPluginSpec('encoder', name);
}

/** Options given on the command line as a JSON object. */
export function parseOptionsJson(text: string | undefined, flag: string): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`${flag} is not JSON: ${text}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(`${flag} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** Creates an encoder of a loaded plugin with options (validated against its schema). */
export async function createEncoder(
  loaded: LoadedPlugin<'encoder'>,
  options: Record<string, unknown>,
  ctx: { seed: number; progress: ProgressReporter; workDir: string; baseDir: string; signal: AbortSignal },
): Promise<Encoder> {
  const parsed = parsePluginOptions(loaded.def, options, '--options');
  const context: PluginContext = { ...ctx, rng: createRng(ctx.seed) };
  return loaded.def.create(parsed, context);
}

/**
 * Refuses a non-empty output folder without --force; temp files an interrupted encode left
 * do not count (they are removed). Returns whether the folder is new, so a failed encode
 * can remove it again and not block the retry.
 */
async function claimOutputDir(dir: string, force: boolean): Promise<boolean> {
  if (!existsSync(dir)) return true;
  if (!statSync(dir).isDirectory()) throw new OutputExistsError(dir);
  await removeStaleTempFiles(dir);
  if (!force && readdirSync(dir).length > 0) throw new OutputExistsError(dir);
  return false;
}

interface EncodeFlags {
  encoder: string;
  out: string;
  format: string;
  options?: string;
  seed: number;
  labels: 'filename' | 'directory';
  idleTimeout: number;
  window: number;
  minPackets: number;
  maxSamplesPerLabel: number;
  images: boolean;
  relativeTimestamps?: boolean;
  count?: number;
  shard?: Shard;
  force?: boolean;
  json?: boolean;
}

/** The file format `--format NAME` names among those the encoder plugin contributes. */
function fileFormatOf(loaded: LoadedPlugin<'encoder'>, name: string): PluginFileFormat {
  const format = loaded.def.formats?.find((f) => f.name === name);
  const known = ['tensor', ...(loaded.def.formats ?? []).filter((f) => f.write).map((f) => f.name)];
  if (!format?.write) throw new InvalidArgumentError(`--format ${name}: ${loaded.def.name} writes ${known.join(', ')}`);
  return format;
}

/**
 * A capture → one file of an encoder's own format (e.g. nPrint's CSV), through the plugin's
 * definition, written as the capture is read: the format gets the packets in batches with
 * borrowed bytes, so memory stays flat whatever the capture size.
 */
async function encodeToFile(
  format: PluginFileFormat,
  capture: string,
  out: string,
  flags: EncodeFlags,
  env: { stdout: (s: string) => void; progress: ProgressReporter; signal: AbortSignal },
): Promise<void> {
  if (!format.write) throw new InvalidArgumentError(`--format ${format.name} is read-only`);
  const reader = new CaptureReader(capture, {
    transientData: true,
    progress: env.progress,
    signal: env.signal,
    onWarning: (w) => env.progress.warn(`${w.file}, offset ${w.offset}: ${w.message}`),
  });
  const report = await format.write(reader.batches(), out, {
    force: flags.force ?? false,
    relativeTimestamps: flags.relativeTimestamps ?? false,
    ...(flags.count !== undefined && { maxRecords: flags.count }),
  });
  const packets = report.packets ?? reader.recordCount;
  const summary = {
    out,
    format: format.name,
    rows: report.records,
    ...(report.columns !== undefined && { columns: report.columns }),
    packets,
    skipped: report.skipped,
    ...(report.truncated !== undefined && { truncated: report.truncated }),
  };
  if (flags.json) env.stdout(`${toJson(summary)}\n`);
  else {
    const why = Object.entries(report.skipped)
      .map(([code, n]) => `${n} ${code}`)
      .join(', ');
    const columns = report.columns === undefined ? '' : ` × ${report.columns} columns`;
    const cut = report.truncated ? `; ${report.truncated} with headers cut by the snap length (captured bits kept, the rest absent)` : '';
    env.stdout(`${out}: ${report.records} rows${columns} from ${packets} packets${why ? ` (skipped: ${why})` : ''}${cut}\n`);
  }
}

export const encodeCommand: CliCommand = {
  name: 'encode',
  register(program, env) {
    program
      .command('encode')
      .description("encode a capture with an encoder plugin: tensors + PNG renders in a folder, or a file in one of the encoder's own formats")
      .argument('<capture>', 'pcap/pcapng file (tensor format: also a folder or glob of captures)')
      .requiredOption('-e, --encoder <name>', 'encoder: short name (nprint, gasf → @netsynth/encoder-NAME), package name or local path')
      .requiredOption('-o, --out <path>', 'output folder (tensor format) or file (an encoder format)')
      .option(
        '--format <format>',
        'tensor: tensors + images in a folder; or a format the encoder writes (`netsynth plugins` lists them; nprint: csv)',
        'tensor',
      )
      .option('--options <json>', 'encoder options as a JSON object, e.g. \'{"maxPackets":256}\'')
      .option('--seed <n>', 'seed', parseNonNegativeInt, 0)
      .addOption(
        new Option('--labels <from>', 'sample labels from capture file names or parent folders').choices(['filename', 'directory']).default('filename'),
      )
      .option('--idle-timeout <seconds>', 'flow idle timeout', parsePositiveNumber, 60)
      .option('--window <packets>', 'split flows into samples of at most this many packets', parseNonNegativeInt, 1024)
      .option('--min-packets <n>', 'drop flows (and trailing windows) with fewer packets', parseNonNegativeInt, 1)
      .option('--max-samples-per-label <n>', 'keep at most this many samples per label (seeded); 0 = all', parseNonNegativeInt, 0)
      .option('--no-images', 'do not write PNG renders')
      .option('--relative-timestamps', 'file formats: add a column of times since the previous row (nprint csv: rts, µs)')
      .option('--count <n>', 'file formats: keep the first N rows (nprint -c); 0 = all', parseNonNegativeInt)
      .option(
        '--shard <K/N>',
        'tensor format, a folder or glob of captures: encode share K of N of the capture files (sorted by path), one process per share',
        shardOption,
      )
      .option('-f, --force', 'overwrite existing outputs')
      .option('--json', 'print a JSON summary on stdout')
      .action(async (capture: string, flags: EncodeFlags) => {
        const { io, signal } = env;
        const progress = createProgressReporter(io.stderr);
        const input = resolve(io.cwd, capture);
        const out = resolve(io.cwd, flags.out);
        const spec = encoderSpec(flags.encoder);
        const loader = new PluginLoader({ baseDir: io.cwd });
        const loaded = await loader.load(spec, 'encoder', '--encoder');
        const stdout = (s: string): void => void io.stdout.write(s);

        if (flags.format !== 'tensor') {
          const format = fileFormatOf(loaded, flags.format);
          if (flags.options !== undefined)
            throw new InvalidArgumentError(`--options does not apply to --format ${format.name} (the file has the format's own columns)`);
          await encodeToFile(format, input, out, flags, { stdout, progress, signal });
          return;
        }

        if (flags.window < 1) throw new InvalidArgumentError('--window must be at least 1');
        if (flags.minPackets < 1) throw new InvalidArgumentError('--min-packets must be at least 1');
        const force = flags.force ?? false;
        const created = await claimOutputDir(out, force);
        try {
          const options = parseOptionsJson(flags.options, '--options');
          const seed = deriveSeed(flags.seed, `encode:${loaded.def.name}`);
          const encoder = await createEncoder(loaded, options, { seed, progress, workDir: out, baseDir: io.cwd, signal });
          const truncated = emptyTruncationCounts();
          const samples = await loadSamples(
            {
              captures: flags.shard ? shareOfList(await expandCaptures([input], io.cwd), flags.shard) : [input],
              records: [],
              recordColumns: {},
              labels: { from: flags.labels },
              flows: {
                idleTimeoutSeconds: flags.idleTimeout,
                windowPackets: flags.window,
                minPackets: flags.minPackets,
                maxSamplesPerLabel: flags.maxSamplesPerLabel,
              },
              holdout: 0,
            },
            io.cwd,
            { seed: flags.seed, progress, signal, truncated },
          );
          if (samples.length === 0) throw new InvalidArgumentError(`${capture} holds no flows to encode`);
          if (encoder.fit) await encoder.fit(samples);
          const info = encoder.info();

          const writer = await TensorFileWriter.open(
            resolve(out, ENCODED_DIR.tensors),
            {
              count: samples.length,
              channels: info.channels,
              height: info.height,
              width: info.width,
              labels: samples.map((s) => s.label),
              ids: samples.map((s) => s.id),
              info: { encoder: loaded.def.name, ...info } as unknown as JsonValue,
            },
            { force },
          );
          const task = progress.start('encode', samples.length, 'samples');
          const perLabel = new Map<string, number>();
          let images = 0;
          try {
            await writeOrAbort(writer, async () => {
              for (const sample of samples) {
                if (signal.aborted) throw new InterruptedError('encoding interrupted; nothing was written');
                const tensor = encoder.encode(sample);
                await writer.write(tensor);
                if (flags.images) {
                  const n = perLabel.get(sample.label) ?? 0;
                  perLabel.set(sample.label, n + 1);
                  await writePngFile(
                    resolve(out, ENCODED_DIR.images, safeName(sample.label), `${String(n).padStart(5, '0')}.png`),
                    encoder.render(tensor),
                    force,
                  );
                  images++;
                }
                task.tick(1);
              }
            });
          } finally {
            task.done();
          }
          const stateFile: EncodedDirEncoder = {
            plugin: loaded.def.name,
            version: loaded.def.version,
            options: options as JsonValue,
            info,
            state: encoder.state(),
          };
          await writeFileAtomic(resolve(out, ENCODED_DIR.encoder), toJson(stateFile), { force });
          const sampleList: EncodedDirSample[] = samples.map((s) => ({
            id: s.id,
            label: s.label,
            packets: s.flow.packets.length,
            startNs: (s.flow.packets[0]?.timestampNs ?? 0n).toString(),
          }));
          await writeFileAtomic(resolve(out, ENCODED_DIR.samples), toJson(sampleList), { force });
          const summary = { out, encoder: loaded.def.name, samples: samples.length, shape: [info.channels, info.height, info.width], images, truncated };
          if (flags.json) stdout(`${toJson(summary)}\n`);
          else
            stdout(
              `${out}: ${samples.length} samples → ${info.channels}×${info.height}×${info.width} tensors (${loaded.def.name})${images ? `, ${images} PNG renders` : ''}${truncated.packets > 0 ? `; ${formatTruncation(truncated)}` : ''}\n`,
            );
        } catch (e) {
          // A folder this encode created and could not fill (disk full, Ctrl-C) must not block the retry.
          if (created) await rm(out, { recursive: true, force: true }).catch(() => undefined);
          throw e;
        }
      });
  },
};
