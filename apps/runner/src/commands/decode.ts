import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { basename, extname, resolve } from 'node:path';
import { Option } from 'commander';
import {
  decodeProblemKind,
  deriveSeed,
  formatForExtension,
  InterruptedError,
  InvalidArgumentError,
  ModelFileError,
  OutputExistsError,
  type DecodeProblem,
  type JsonObject,
  type Packet,
  type PluginFileFormat,
} from '@netsynth/core';
import { writePcap } from '@netsynth/pcap';
import type { CliCommand } from '../command.js';
import { toJson } from '../json.js';
import { writeSamplesPcap } from '../pipeline/pcap-out.js';
import { OUT } from '../pipeline/paths.js';
import type { StoredSample } from '../pipeline/sample-store.js';
import { discoverPlugins } from '../plugin-discovery.js';
import { PluginLoader, type LoadedPlugin } from '../plugin-loader.js';
import { createProgressReporter } from '../progress.js';
import { readTensorFile } from '../tensor-file.js';
import { createEncoder, ENCODED_DIR, encoderSpec, parseOptionsJson, type EncodedDirEncoder, type EncodedDirSample } from './encode.js';
import { parseNonNegativeInt } from './options.js';

interface DecodeFlags {
  encoder?: string;
  out: string;
  format: string;
  options?: string;
  tensors?: string;
  seed: number;
  rows?: 'strict' | 'repair';
  conversation?: 'sample' | 'row';
  learn?: string;
  force?: boolean;
  json?: boolean;
}

/** Gap put between decoded samples that carry no start time of their own. */
const GAP_BETWEEN_SAMPLES_NS = 1_000_000_000n;
/** The decode loop gives the event loop a turn this often, so a Ctrl-C (handled there) is seen mid-decode. */
const YIELD_EVERY_MS = 50;

interface DecodeSummary {
  out: string;
  samples: number;
  packets: number;
  /** Rows (or tensor rows) that could not become a packet; with --rows repair also every repaired row and a counts line. */
  problems: (DecodeProblem & { sample: string })[];
  /** What the decoder did per sample (e.g. nPrint row repair counts), when it reports it. */
  reports?: ({ sample: string } & JsonObject)[];
}

function printSummary(summary: DecodeSummary, json: boolean, write: (s: string) => void, warn: (s: string) => void): void {
  if (json) {
    write(`${toJson(summary)}\n`);
    return;
  }
  write(`${summary.out}: ${summary.packets} packets from ${summary.samples} sample(s)\n`);
  const kind = (k: string) => summary.problems.filter((p) => decodeProblemKind(p) === k);
  const repairs = kind('repaired');
  const failures = kind('failed');
  for (const p of kind('summary')) warn(`${p.sample}: ${p.message}`);
  if (repairs.length > 0) warn(`${repairs.length} row(s) repaired into packets (--json lists every change)`);
  if (failures.length > 0) {
    const shown = failures.slice(0, 10).map((p) => `  ${p.sample}${p.index !== undefined ? ` row ${p.index}` : ''}: ${p.message}`);
    const more = failures.length > shown.length ? [`  … and ${failures.length - shown.length} more (--json lists them all)`] : [];
    warn([`${failures.length} row(s) could not be decoded into packets:`, ...shown, ...more].join('\n'));
  }
}

interface EncodedFiles {
  encoder: string;
  tensors: string;
  samples?: string;
  /** The run's manifest.json: where a run written before encoder.json held options keeps them. */
  manifest?: string;
}

/**
 * Locates the encoder state and tensors of a folder written by `netsynth encode`, of a run's
 * output folder (its generated tensors) or of a run's `encoded/` folder (its training tensors).
 */
function encodedFiles(dir: string, tensors: string | undefined): EncodedFiles {
  const own = resolve(dir, ENCODED_DIR.encoder);
  if (existsSync(own)) {
    const samples = resolve(dir, ENCODED_DIR.samples);
    const fromEncode = resolve(dir, ENCODED_DIR.tensors);
    const runTrain = resolve(dir, basename(OUT.trainTensors));
    if (!existsSync(fromEncode) && existsSync(runTrain)) return { encoder: own, tensors: tensors ?? runTrain, manifest: resolve(dir, '..', OUT.manifest) };
    return { encoder: own, tensors: tensors ?? fromEncode, ...(existsSync(samples) && { samples }) };
  }
  const run = resolve(dir, OUT.encoderState);
  if (existsSync(run)) return { encoder: run, tensors: tensors ?? resolve(dir, OUT.generatedTensors), manifest: resolve(dir, OUT.manifest) };
  throw new InvalidArgumentError(`${dir} holds neither ${ENCODED_DIR.encoder} (netsynth encode) nor ${OUT.encoderState} (netsynth run)`);
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The encoder options the folder was made with: encoder.json's, else (older runs) the run's resolved config in manifest.json. */
async function savedOptions(stateFile: Partial<EncodedDirEncoder>, manifest: string | undefined): Promise<JsonObject> {
  if (isObject(stateFile.options)) return stateFile.options;
  if (manifest === undefined || !existsSync(manifest)) return {};
  const m = await readJson<{ config?: { resolved?: { encoder?: { options?: unknown } } } }>(manifest);
  const options = m.config?.resolved?.encoder?.options;
  return isObject(options) ? options : {};
}

/**
 * The encoder plugin and its format that read a file: the one `--encoder` names, else the one
 * installed plugin whose formats claim the file's extension.
 */
async function fileReader(
  loader: PluginLoader,
  file: string,
  encoder: string | undefined,
  cwd: string,
): Promise<{ loaded: LoadedPlugin<'encoder'>; format: PluginFileFormat }> {
  const ext = extname(file).toLowerCase();
  if (encoder !== undefined) {
    const loaded = await loader.load(encoderSpec(encoder), 'encoder', '--encoder');
    const format = formatForExtension(loaded.def.formats, ext);
    if (!format) throw new InvalidArgumentError(`${file} is not a tensor folder, and ${loaded.def.name} reads no ${ext || 'extension-less'} files`);
    return { loaded, format };
  }
  const { plugins } = await discoverPlugins([], cwd);
  const readers = plugins.filter((p) => p.def.kind === 'encoder' && formatForExtension(p.def.formats, ext)?.read);
  if (readers.length !== 1) {
    const why =
      readers.length === 0
        ? `no installed encoder reads ${ext || 'extension-less'} files`
        : `several encoders read ${ext} files (${readers.map((p) => p.def.name).join(', ')})`;
    throw new InvalidArgumentError(`${file} is not a tensor folder and ${why}: name one with --encoder`);
  }
  const loaded = await loader.load((readers[0] as (typeof readers)[number]).def.name, 'encoder', '--encoder');
  return { loaded, format: formatForExtension(loaded.def.formats, ext) as PluginFileFormat };
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    throw new ModelFileError('not readable JSON', file, undefined, e);
  }
}

function refuseExisting(out: string, force: boolean): void {
  if (!force && existsSync(out)) throw new OutputExistsError(out);
}

export const decodeCommand: CliCommand = {
  name: 'decode',
  register(program, env) {
    program
      .command('decode')
      .description('decode tensors (a folder from `netsynth encode` or `netsynth run`), an nPrint CSV or an nPrint picture back into packets')
      .argument(
        '<input>',
        "folder with encoder.json + tensors (from `netsynth encode`; a run's output folder: its generated samples; a run's encoded/: its training samples), or a file in an encoder's own format (nprint: FILE.nprint, IMAGE.png)",
      )
      .option('-e, --encoder <name>', "encoder: short name, package name or local path (default: the one named in the folder's encoder.json)")
      .requiredOption('-o, --out <path>', 'output capture (.pcap, raw IP for nprint), or a file of --format')
      .option('--format <format>', "pcap: a capture; or another format of the input file's encoder (nprint: csv, the snapped bits of IMAGE.png)", 'pcap')
      .option('--options <json>', 'encoder options as a JSON object (nprint: addresses, snap)')
      .option('--tensors <file>', "tensor file to decode instead of the folder's own")
      .option('--seed <n>', 'seed for choices the decoder makes (nprint: addresses when the input has none, bits row repair fills)', parseNonNegativeInt, 0)
      .addOption(
        new Option(
          '--rows <mode>',
          'nprint: strict reports rows that cannot be packets; repair makes them the nearest packet structure first, reporting every change',
        ).choices(['strict', 'repair']),
      )
      .addOption(
        new Option(
          '--conversation <mode>',
          'nprint --rows repair: sample makes each sample one conversation (one 5-tuple, a TCP handshake); row repairs each row on its own',
        ).choices(['sample', 'row']),
      )
      .option(
        '--learn <file>',
        'nprint --rows repair: learn the values to fill in from a real capture or .nprint CSV (default: what the encoder learned, else defaults and seeded bits)',
      )
      .option('-f, --force', 'overwrite an existing output')
      .option('--json', 'print a JSON summary (with every decode problem) on stdout')
      .action(async (inputArg: string, flags: DecodeFlags) => {
        const { io, signal } = env;
        const progress = createProgressReporter(io.stderr);
        const input = resolve(io.cwd, inputArg);
        const out = resolve(io.cwd, flags.out);
        const force = flags.force ?? false;
        const write = (s: string): void => void io.stdout.write(s);
        const warn = (s: string): void => progress.warn(s);
        if (!existsSync(input)) throw new InvalidArgumentError(`${inputArg} does not exist`);
        const loader = new PluginLoader({ baseDir: io.cwd });
        const options = parseOptionsJson(flags.options, '--options');
        if (flags.rows !== undefined) options['rows'] = flags.rows;
        if (flags.conversation !== undefined) options['conversation'] = flags.conversation;
        const learn = flags.learn === undefined ? undefined : resolve(io.cwd, flags.learn);
        const finish = (summary: DecodeSummary): void => {
          printSummary(summary, flags.json ?? false, write, warn);
          // An empty capture is a failed decode: say so by the exit status, and how to get packets.
          if (summary.packets === 0) {
            env.setExitCode(1);
            warn(
              `no packets were written${flags.rows === 'repair' ? '' : ': try --rows repair (rows made the nearest packet structure, every change reported)'}`,
            );
          }
        };

        if (statSync(input).isDirectory()) {
          if (flags.format !== 'pcap')
            throw new InvalidArgumentError(`--format ${flags.format} converts a file of an encoder's format; a folder decodes to a capture`);
          const files = encodedFiles(input, flags.tensors === undefined ? undefined : resolve(io.cwd, flags.tensors));
          const stateFile = await readJson<Partial<EncodedDirEncoder>>(files.encoder);
          if (typeof stateFile.plugin !== 'string') throw new ModelFileError('names no encoder plugin', files.encoder);
          const loaded = await loader.load(flags.encoder !== undefined ? encoderSpec(flags.encoder) : stateFile.plugin, 'encoder', '--encoder');
          if (loaded.def.name !== stateFile.plugin) {
            throw new InvalidArgumentError(`${files.encoder} was written by ${stateFile.plugin}, not ${loaded.def.name}`);
          }
          const saved = await savedOptions(stateFile, files.manifest);
          const seed = deriveSeed(flags.seed, `decode:${loaded.def.name}`);
          const encoder = await createEncoder(loaded, { ...saved, ...options }, { seed, progress, workDir: input, baseDir: io.cwd, signal });
          encoder.loadState(stateFile.state ?? null);
          if (learn !== undefined) {
            if (!encoder.learnFrom) throw new InvalidArgumentError(`--learn: ${loaded.def.name} has no decode values to learn`);
            await encoder.learnFrom(learn);
          }
          const tensors = await readTensorFile(files.tensors);
          const starts = new Map<string, bigint>();
          if (files.samples) for (const s of await readJson<EncodedDirSample[]>(files.samples)) starts.set(s.id, BigInt(s.startNs));
          refuseExisting(out, force);
          const decoded: StoredSample[] = [];
          const problems: DecodeSummary['problems'] = [];
          const reports: NonNullable<DecodeSummary['reports']> = [];
          let nextStart = 0n;
          const task = progress.start('decode', tensors.count, 'samples');
          let turn = performance.now();
          try {
            for (const [i, tensor] of tensors.tensors.entries()) {
              if (performance.now() - turn > YIELD_EVERY_MS) {
                await nextTurn();
                turn = performance.now();
              }
              if (signal.aborted) throw new InterruptedError(`decode interrupted; ${out} was not written`);
              const id = tensors.ids[i] ?? String(i);
              const label = tensors.labels[i] ?? '';
              const d = encoder.decode(tensor, label);
              // Samples start where they started in the capture they came from, else one after the other.
              const start = starts.get(id) ?? nextStart;
              const packets: Packet[] = d.packets.map((p) => ({ ...p, timestampNs: p.timestampNs + start }));
              const last = packets.at(-1)?.timestampNs ?? start;
              if (last + GAP_BETWEEN_SAMPLES_NS > nextStart) nextStart = last + GAP_BETWEEN_SAMPLES_NS;
              decoded.push({ id, label: d.label || label, packets, problems: d.problems });
              for (const p of d.problems) problems.push({ sample: id, ...p });
              if (d.report) reports.push({ sample: id, ...d.report });
              task.tick(1);
            }
          } finally {
            task.done(signal.aborted ? 'interrupted' : undefined);
          }
          const report = await writeSamplesPcap(out, decoded, progress, signal);
          // writeSamplesPcap stops early and removes its temp file; an empty "result" must not follow.
          if (signal.aborted) throw new InterruptedError(`decode interrupted; ${out} was not written`);
          const summary: DecodeSummary = { out, samples: decoded.length, packets: report.written, problems };
          if (reports.length > 0) summary.reports = reports;
          finish(summary);
          return;
        }

        // A file in an encoder's own format (nPrint CSV, NetDiffusion picture): the plugin reads it.
        const { loaded, format } = await fileReader(loader, input, flags.encoder, io.cwd);
        const read = { options, seed: flags.seed, force, ...(learn !== undefined && { learn }) };
        if (flags.format !== 'pcap') {
          if (!format.convert)
            throw new InvalidArgumentError(`--format ${flags.format}: ${loaded.def.name} converts no ${format.name} file; decode it to pcap`);
          const r = await format.convert(input, out, flags.format, read);
          if (flags.json) write(`${toJson({ out, rows: r.records, ...(r.columns !== undefined && { columns: r.columns }) })}\n`);
          else write(`${out}: ${r.records} rows${r.columns === undefined ? '' : ` × ${r.columns} columns`}\n`);
          return;
        }
        if (!format.read) throw new InvalidArgumentError(`${loaded.def.name} writes ${format.name} files but does not read them`);
        refuseExisting(out, force);
        const result = await format.read(input, read);
        const written = await writePcap(out, result.packets, { linkType: result.linkType, force });
        const summary: DecodeSummary = { out, samples: 1, packets: written, problems: result.problems.map((p) => ({ sample: inputArg, ...p })) };
        if (result.report) summary.reports = [{ sample: inputArg, ...result.report }];
        finish(summary);
      });
  },
};
