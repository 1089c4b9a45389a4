import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import {
  createRng,
  isNetsynthError,
  parsePluginOptions,
  parseRunConfig,
  pluginOptionsJsonSchema,
  silentProgress,
  type AnyPluginDefinition,
  type Encoder,
  type PluginKind,
} from '@netsynth/core';
import { parseYamlConfig } from './config-file.js';

const CAPTURE_FILE = /\.(pcap|pcapng|cap)$/i;
/** Folders never searched: dependencies, hidden folders, and netsynth's own outputs. */
const SKIP_DIRS = new Set(['node_modules', 'out', 'dist']);

/**
 * Files found under `dir` (relative to it) as the config file at `configFile` must name them:
 * a config's paths resolve from the config file's folder, which `--config` can put elsewhere.
 */
export function relativeToConfig(configFile: string, dir: string, files: readonly string[]): string[] {
  return files.map((f) => relative(dirname(configFile), join(dir, f)).split(sep).join('/'));
}

/** Capture files (or files matching `pattern`) under `dir` (recursively, at most `limit`), as sorted paths relative to it. */
export function findCaptures(dir: string, limit = 10_000, pattern: RegExp = CAPTURE_FILE): string[] {
  const found: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      if (found.length >= limit) return;
      if (name.startsWith('.')) continue;
      const p = join(abs, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(p);
      } else if (st.isFile() && pattern.test(name)) found.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return found;
}

export interface StarterConfig {
  text: string;
  labelsFrom: 'filename' | 'directory';
  labels: string[];
  captures: string[];
  plugins: Record<'encoder' | 'generator' | 'constraints' | 'evaluators', string[]>;
}

/** Plugins that work with their default options (a starter config names no option). */
function usable(defs: readonly AnyPluginDefinition[], kind: PluginKind, prefer: readonly string[]): AnyPluginDefinition[] {
  const ok = defs.filter((d) => {
    if (d.kind !== kind) return false;
    try {
      parsePluginOptions(d, {}, 'options');
      return true;
    } catch (e) {
      if (isNetsynthError(e)) return false;
      throw e;
    }
  });
  const rank = (d: AnyPluginDefinition): number => {
    const i = prefer.indexOf(d.name);
    return i < 0 ? prefer.length : i;
  };
  return ok.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

const q = (s: string): string => JSON.stringify(s);

/** Packets per sample and samples per label in a starter config: small enough for a first run on a laptop. */
const WINDOW = 32;
const MAX_SAMPLES = 200;
const HOLDOUT = 0.2;
/**
 * Synthetic samples per label: as many as a label's real training share can hold (MAX_SAMPLES
 * less the holdout), so classifiers trained on synthetic data (TSTR) see as many samples as
 * those trained on real data (TRTR) do for a full class. Against 40 (the holdout size), on the
 * same models: mean TSTR/TRTR macro-F1 +0.02 over four lab runs (2 seeds × 1500/3000 steps;
 * GB, LR, MLP gain most) and +0.04 on apps, for ~50 CPU-s more (examples/packetfields.yaml).
 */
const SAMPLES_PER_LABEL = Math.round(MAX_SAMPLES * (1 - HOLDOUT));

/** Training steps of a starter generator that has a `steps` option (the DDPM). */
const STARTER_STEPS = 1500;

/**
 * Whether the encoder makes C×1×L series (its default-option info() has height 1): those go to
 * a generator's 1-D form. Encoders whose create() is asynchronous or fails are taken as images.
 */
function makesSeries(encoder: AnyPluginDefinition, options: Record<string, unknown>): boolean {
  try {
    const parsed = parsePluginOptions(encoder, options, 'options');
    const ctx = { seed: 0, rng: createRng(0), progress: silentProgress, workDir: '.', baseDir: '.' };
    const made = (encoder.create as (o: unknown, c: typeof ctx) => unknown)(parsed, ctx);
    if (made instanceof Promise) {
      made.catch(() => undefined);
      return false;
    }
    return (made as Encoder).info().height === 1;
  } catch {
    return false;
  }
}

/** `{ ... }` flow-map text of the starter options the encoder accepts (and their values), or undefined. */
function starterEncoderOptions(encoder: AnyPluginDefinition): { text: string; values: Record<string, unknown> } | undefined {
  const wanted: [string, unknown, string][] = [
    ['maxPackets', WINDOW, String(WINDOW)],
    ['length', WINDOW, String(WINDOW)],
    ['features', ['size', 'direction', 'iat'], '[size, direction, iat]'],
    ['iatScale', 'log', 'log'],
  ];
  const ok = wanted.filter(([key, value]) => hasOption(encoder, key, value));
  if (ok.length === 0) return undefined;
  const values = Object.fromEntries(ok.map(([k, v]) => [k, v]));
  try {
    parsePluginOptions(encoder, values, 'options');
  } catch {
    return undefined;
  }
  return { text: `{ ${ok.map(([k, , text]) => `${k}: ${text}`).join(', ')} }`, values };
}

/** `{ ... }` flow-map text of the starter generator options: its steps, and its 1-D form for series encoders. */
function starterGeneratorOptions(generator: AnyPluginDefinition, series: boolean): string | undefined {
  const parts: string[] = [];
  if (series && hasOption(generator, 'dims', 1)) parts.push('dims: 1');
  if (hasOption(generator, 'steps', STARTER_STEPS)) parts.push(`steps: ${STARTER_STEPS}`);
  return parts.length ? `{ ${parts.join(', ')} }` : undefined;
}

/** True when the plugin has this option and accepts the value for it. */
function hasOption(def: AnyPluginDefinition, key: string, value: unknown): boolean {
  const schema = pluginOptionsJsonSchema(def) as { properties?: Record<string, unknown> };
  if (!schema.properties || !(key in schema.properties)) return false;
  try {
    parsePluginOptions(def, { [key]: value }, 'options');
    return true;
  } catch {
    return false;
  }
}

/**
 * A starter `netsynth run` config for the captures found in a folder: labels from the
 * folder names when the captures sit in two or more folders, else from the file names;
 * the installed plugins that run with default options.
 */
export function starterConfig(captures: readonly string[], installed: readonly AnyPluginDefinition[]): StarterConfig {
  const folders = new Set(captures.map((c) => dirname(c)));
  const labelsFrom = folders.size >= 2 ? 'directory' : 'filename';
  const labels = [...new Set(captures.map((c) => (labelsFrom === 'directory' ? basename(dirname(c)) : basename(c).replace(/\.[^.]+$/, ''))))].sort();
  // Preference by measured fidelity on real captures (examples/ headers): packet fields first
  // (init default with 37dd643's per-protocol kinds and opening directions and 160 samples per
  // label, seed 0: TSTR/TRTR macro-F1 best 0.92 / mean 0.87 on ../shared/data/lab, 217 s wall at
  // load ~4 on 2 cores; apps seeds 0 / 1: mean 0.88 / 0.93; before them 0.87 / 0.74 on the lab).
  const encoders = usable(installed, 'encoder', ['@netsynth/encoder-packetfields', '@netsynth/encoder-gasf', '@netsynth/encoder-nprint']);
  const generators = usable(installed, 'generator', ['@netsynth/generator-ddpm']);
  const rulesets = usable(installed, 'constraint', [
    '@netsynth/ruleset-ipv4',
    '@netsynth/ruleset-tcp',
    '@netsynth/ruleset-udp',
    '@netsynth/ruleset-icmp',
    '@netsynth/ruleset-flow',
  ]);
  const evaluators = usable(installed, 'evaluator', []);
  const encoder = encoders[0];
  const generator = encoder ? generators[0] : undefined;

  let series = false;
  const lines: string[] = [];
  lines.push('# netsynth run config, written by `netsynth init`. Every key is explained in the');
  lines.push("# runner's README (config reference); `netsynth plugins` lists each plugin's options.");
  lines.push('version: 1');
  lines.push('seed: 0');
  lines.push('');
  lines.push('input:');
  lines.push('  # Capture files (or folders, or globs), relative to this file.');
  lines.push('  captures:');
  for (const c of captures) lines.push(`    - ${q(c)}`);
  lines.push('  labels:');
  lines.push(
    labelsFrom === 'directory'
      ? `    from: directory   # each capture's label is the folder holding it: ${labels.join(', ')}`
      : `    from: filename    # each capture's label is its file name: ${labels.join(', ')}`,
  );
  lines.push('  flows:');
  lines.push('    idleTimeoutSeconds: 60   # a flow ends after this long without a packet');
  lines.push(`    windowPackets: ${WINDOW}        # flows are cut into samples of at most this many packets`);
  lines.push('    minPackets: 2            # drop flows shorter than this');
  lines.push(`    maxSamplesPerLabel: ${MAX_SAMPLES}  # a first run on a sample of each class; 0 = keep every sample`);
  lines.push(`  holdout: ${HOLDOUT}               # share of each label kept for evaluation (whole flows: split by flow)`);
  lines.push('  split: flow                # whole flows on one side (time: the last flows of each label)');
  lines.push('');
  if (encoder) {
    lines.push('encoder:');
    lines.push(`  plugin: ${q(encoder.name)}   # ${encoder.description}`);
    // Encoders that pad every sample to a packet count (nPrint's maxPackets, GASF's length) get
    // the window size, so a first run does not make images of 300–1024 packets from 64; GASF
    // also gets the three series of NetDiffus (one channel each), with log inter-arrival times.
    const options = starterEncoderOptions(encoder);
    if (options) lines.push(`  options: ${options.text}`);
    series = makesSeries(encoder, options?.values ?? {});
  } else {
    lines.push('# encoder: no encoder plugin is installed (npm i @netsynth/encoder-gasf)');
  }
  if (generator) {
    lines.push('');
    lines.push('generator:');
    lines.push(`  plugin: ${q(generator.name)}   # ${generator.description}`);
    const options = starterGeneratorOptions(generator, series);
    if (options) lines.push(`  options: ${options}   # steps: training steps, the longest stage; raise for better samples`);
    lines.push(`  samplesPerLabel: ${SAMPLES_PER_LABEL}         # as many as a class's real training samples (maxSamplesPerLabel less the holdout)`);
    // The class-mix form keeps synthetic.pcap at the capture's mix, but its count has no bound
    // (k× every class's flows until the smallest reaches its holdout: 2302 samples on the lab).
    lines.push("  # for a trace at the capture's class mix: samplesPerLabel: { mix: capture, min: holdout, total: N }");
  } else {
    lines.push('');
    lines.push('# generator: no generator plugin is installed; add one to make synthetic traffic, e.g.');
    lines.push('#   generator:');
    lines.push('#     plugin: "@netsynth/generator-ddpm"');
    lines.push('#     samplesPerLabel: 8');
  }
  lines.push('');
  if (rulesets.length) {
    lines.push('# Rulesets check and repair the (synthetic) packets, in this order.');
    lines.push('constraints:');
    for (const r of rulesets) lines.push(`  - plugin: ${q(r.name)}`);
  } else lines.push('constraints: []');
  lines.push('');
  if (evaluators.length) {
    lines.push('evaluators:');
    for (const e of evaluators) lines.push(`  - plugin: ${q(e.name)}`);
  } else lines.push('evaluators: []');
  lines.push('');
  lines.push('output:');
  lines.push('  dir: out        # relative to this file; `netsynth run --out DIR` overrides it');
  lines.push('  pcap: true');
  lines.push('  images: true');
  const text = `${lines.join('\n')}\n`;

  // The starter must itself be a valid config.
  const { raw } = parseYamlConfig(text, 'netsynth.yaml');
  parseRunConfig(raw);
  return {
    text,
    labelsFrom,
    labels,
    captures: [...captures],
    plugins: {
      encoder: encoder ? [encoder.name] : [],
      generator: generator ? [generator.name] : [],
      constraints: rulesets.map((r) => r.name),
      evaluators: evaluators.map((e) => e.name),
    },
  };
}
