import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { Option } from 'commander';
import {
  deriveSeed,
  InvalidArgumentError,
  LinkType,
  ModelFileError,
  OutputExistsError,
  parsePluginOptions,
  type DecodeProblem,
  type Packet,
} from '@netsynth/core';
import nprintPlugin, {
  ENCODER_NAME as NPRINT_ENCODER,
  formatRepairSummary,
  imageToRows,
  isRowRepairReport,
  packetsToRows,
  readNprintCsv,
  readPng,
  RowStats,
  rowsToPackets,
  writeNprintCsv,
  type NprintTable,
  type RowRepairSummary,
} from '@netsynth/encoder-nprint';
import { readCaptureAll, writePcap } from '@netsynth/pcap';
import type { CliCommand } from '../command.js';
import { toJson } from '../json.js';
import { writeSamplesPcap } from '../pipeline/pcap-out.js';
import { OUT } from '../pipeline/paths.js';
import type { StoredSample } from '../pipeline/sample-store.js';
import { PluginLoader } from '../plugin-loader.js';
import { createProgressReporter } from '../progress.js';
import { readTensorFile } from '../tensor-file.js';
import { createEncoder, ENCODED_DIR, encoderSpec, parseOptionsJson, type EncodedDirEncoder, type EncodedDirSample } from './encode.js';
import { parseNonNegativeInt } from './options.js';

interface DecodeFlags {
  encoder?: string;
  out: string;
  format: 'pcap' | 'csv';
  options?: string;
  tensors?: string;
  seed: number;
  rows?: 'strict' | 'repair';
  learn?: string;
  force?: boolean;
  json?: boolean;
}

/** Gap put between decoded samples that carry no start time of their own. */
const GAP_BETWEEN_SAMPLES_NS = 1_000_000_000n;

interface DecodeSummary {
  out: string;
  samples: number;
  packets: number;
  /** Rows (or tensor rows) that could not become a packet; with --rows repair also every repaired row. */
  problems: { sample: string; index?: number; message: string }[];
  /** --rows repair: counts per sample (nprint). */
  rowRepair?: { sample: string; summary: RowRepairSummary }[];
}

function printSummary(summary: DecodeSummary, json: boolean, write: (s: string) => void, warn: (s: string) => void): void {
  if (json) {
    write(`${toJson(summary)}\n`);
    return;
  }
  write(`${summary.out}: ${summary.packets} packets from ${summary.samples} sample(s)\n`);
  const repairs = summary.problems.filter(isRowRepairReport);
  const failures = summary.problems.filter((p) => !isRowRepairReport(p));
  for (const r of summary.rowRepair ?? []) warn(`${r.sample}: ${formatRepairSummary(r.summary)}`);
  if (repairs.length > 0) warn(`${repairs.filter((p) => p.index !== undefined).length} row(s) repaired into packets (--json lists every change)`);
  if (failures.length > 0) {
    const shown = failures.slice(0, 10).map((p) => `  ${p.sample}${p.index !== undefined ? ` row ${p.index}` : ''}: ${p.message}`);
    const more = failures.length > shown.length ? [`  … and ${failures.length - shown.length} more (--json lists them all)`] : [];
    warn([`${failures.length} row(s) could not be decoded into packets:`, ...shown, ...more].join('\n'));
  }
}

/** Locates the encoder state and tensors of a folder written by `netsynth encode` or by `netsynth run`. */
function encodedFiles(dir: string, tensors: string | undefined): { encoder: string; tensors: string; samples?: string } {
  const own = resolve(dir, ENCODED_DIR.encoder);
  if (existsSync(own)) {
    const samples = resolve(dir, ENCODED_DIR.samples);
    return { encoder: own, tensors: tensors ?? resolve(dir, ENCODED_DIR.tensors), ...(existsSync(samples) && { samples }) };
  }
  const run = resolve(dir, OUT.encoderState);
  if (existsSync(run)) return { encoder: run, tensors: tensors ?? resolve(dir, OUT.generatedTensors) };
  throw new InvalidArgumentError(`${dir} holds neither ${ENCODED_DIR.encoder} (netsynth encode) nor ${OUT.encoderState} (netsynth run)`);
}

/** Value distributions for --rows repair from a real capture or an nPrint CSV (--learn). */
async function learnRowStats(file: string): Promise<RowStats> {
  const ext = extname(file).toLowerCase();
  if (ext === '.nprint' || ext === '.csv') return RowStats.fromTable(await readNprintCsv(file));
  const { packets } = await readCaptureAll(file);
  return RowStats.fromTable(packetsToRows(packets).table);
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
      .argument('<input>', 'folder with encoder.json + tensors, FILE.nprint (nprint) or IMAGE.png (nprint)')
      .option('-e, --encoder <name>', 'encoder: short name, package name or local path (default: the one named in the folder\'s encoder.json)')
      .requiredOption('-o, --out <path>', 'output capture (.pcap, raw IP for nprint), or .nprint with --format csv')
      .addOption(new Option('--format <format>', 'pcap: a capture; csv: snapped bits of IMAGE.png as an nPrint CSV').choices(['pcap', 'csv']).default('pcap'))
      .option('--options <json>', 'encoder options as a JSON object (nprint: addresses, snap)')
      .option('--tensors <file>', 'tensor file to decode instead of the folder\'s own')
      .option('--seed <n>', 'seed for choices the decoder makes (nprint: addresses when the input has none, bits row repair fills)', parseNonNegativeInt, 0)
      .addOption(
        new Option('--rows <mode>', 'nprint: strict reports rows that cannot be packets; repair makes them the nearest packet structure first, reporting every change').choices([
          'strict',
          'repair',
        ]),
      )
      .option('--learn <file>', 'nprint --rows repair: learn the values to fill in from a real capture or .nprint CSV (default: what the encoder learned, else defaults and seeded bits)')
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
        const learned = flags.learn === undefined ? null : await learnRowStats(resolve(io.cwd, flags.learn));

        if (statSync(input).isDirectory()) {
          if (flags.format === 'csv') throw new InvalidArgumentError('--format csv decodes IMAGE.png; a folder decodes to a capture');
          const files = encodedFiles(input, flags.tensors === undefined ? undefined : resolve(io.cwd, flags.tensors));
          const stateFile = await readJson<Partial<EncodedDirEncoder>>(files.encoder);
          if (typeof stateFile.plugin !== 'string') throw new ModelFileError('names no encoder plugin', files.encoder);
          const loaded = await loader.load(flags.encoder !== undefined ? encoderSpec(flags.encoder) : stateFile.plugin, 'encoder', '--encoder');
          if (loaded.def.name !== stateFile.plugin) {
            throw new InvalidArgumentError(`${files.encoder} was written by ${stateFile.plugin}, not ${loaded.def.name}`);
          }
          const saved = typeof stateFile.options === 'object' && stateFile.options !== null && !Array.isArray(stateFile.options) ? stateFile.options : {};
          const seed = deriveSeed(flags.seed, `decode:${loaded.def.name}`);
          const encoder = await createEncoder(loaded, { ...saved, ...options }, { seed, progress, workDir: input, baseDir: io.cwd, signal });
          encoder.loadState(stateFile.state ?? null);
          if (learned) {
            if (!('setRowStats' in encoder) || typeof encoder.setRowStats !== 'function') throw new InvalidArgumentError('--learn is for the nprint encoder');
            (encoder as { setRowStats(s: RowStats): void }).setRowStats(learned);
          }
          const tensors = await readTensorFile(files.tensors);
          const starts = new Map<string, bigint>();
          if (files.samples) for (const s of await readJson<EncodedDirSample[]>(files.samples)) starts.set(s.id, BigInt(s.startNs));
          refuseExisting(out, force);
          const decoded: StoredSample[] = [];
          const problems: DecodeSummary['problems'] = [];
          const rowRepair: NonNullable<DecodeSummary['rowRepair']> = [];
          let nextStart = 0n;
          const task = progress.start('decode', tensors.count, 'samples');
          try {
            tensors.tensors.forEach((tensor, i) => {
              if (signal.aborted) return;
              const id = tensors.ids[i] ?? String(i);
              const label = tensors.labels[i] ?? '';
              const d = encoder.decode(tensor, label);
              // Samples start where they started in the capture they came from, else one after the other.
              const start = starts.get(id) ?? nextStart;
              const packets: Packet[] = d.packets.map((p) => ({ ...p, timestampNs: p.timestampNs + start }));
              const last = packets.at(-1)?.timestampNs ?? start;
              if (last + GAP_BETWEEN_SAMPLES_NS > nextStart) nextStart = last + GAP_BETWEEN_SAMPLES_NS;
              decoded.push({ id, label: d.label || label, packets, problems: d.problems });
              for (const p of d.problems) problems.push({ sample: id, ...(p.index !== undefined && { index: p.index }), message: p.message });
              if ('repairSummary' in d && d.repairSummary) rowRepair.push({ sample: id, summary: d.repairSummary as RowRepairSummary });
              task.tick(1);
            });
          } finally {
            task.done();
          }
          const report = await writeSamplesPcap(out, decoded, progress, signal);
          const summary: DecodeSummary = { out, samples: decoded.length, packets: report.written, problems };
          if (rowRepair.length > 0) summary.rowRepair = rowRepair;
          printSummary(summary, flags.json ?? false, write, warn);
          return;
        }

        // An nPrint CSV or picture: the nprint encoder's own formats.
        const loaded = await loader.load(encoderSpec(flags.encoder ?? 'nprint'), 'encoder', '--encoder');
        if (loaded.def.name !== NPRINT_ENCODER) throw new InvalidArgumentError(`${inputArg} is not a tensor folder; only the nprint encoder reads .nprint and .png files`);
        const nprintOptions = parsePluginOptions(nprintPlugin, options, '--options');
        const ext = extname(input).toLowerCase();
        let table: NprintTable;
        if (ext === '.png') {
          table = imageToRows(await readPng(input), { snap: nprintOptions.snap });
          if (flags.format === 'csv') {
            await writeNprintCsv(out, table, { force });
            const rows = table.rowCount;
            if (flags.json) write(`${toJson({ out, rows, columns: table.columns.length })}\n`);
            else write(`${out}: ${rows} rows × ${table.columns.length} snapped bit columns\n`);
            return;
          }
        } else {
          if (flags.format === 'csv') throw new InvalidArgumentError('--format csv decodes IMAGE.png; an nPrint CSV decodes to a capture');
          table = await readNprintCsv(input);
        }
        refuseExisting(out, force);
        const addresses = { ...nprintOptions.addresses, seed: deriveSeed(flags.seed, `decode:${inputArg}`) };
        const rows = nprintOptions.rows;
        if (learned && rows !== 'repair') throw new InvalidArgumentError('--learn needs --rows repair');
        const result = rowsToPackets(table, {
          addresses,
          rows,
          repair: { stats: learned, seed: deriveSeed(flags.seed, `rows:${inputArg}`), paddingBelow: nprintOptions.paddingBelow },
        });
        const written = await writePcap(out, result.packets, { linkType: LinkType.RAW, force });
        const problems = result.problems.map((p: DecodeProblem) => ({ sample: inputArg, ...(p.index !== undefined && { index: p.index }), message: p.message }));
        const summary: DecodeSummary = { out, samples: 1, packets: written, problems };
        if (result.repairSummary) summary.rowRepair = [{ sample: inputArg, summary: result.repairSummary }];
        printSummary(summary, flags.json ?? false, write, warn);
      });
  },
};
