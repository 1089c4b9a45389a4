import { z } from 'zod';
import { runConfigSchema } from '@netsynth/core';

/** What each config key means. A test checks that every key of core's schema is described here. */
export const CONFIG_KEY_DOCS: Record<string, string> = {
  version: 'Config format version; only 1 exists.',
  name: 'A name for the run, recorded in the manifest.',
  seed: 'Base seed. Each stage derives its own from it (deriveSeed(seed, stage name)); `--seed` overrides it.',
  input: 'Where the real traffic comes from and how it becomes labelled samples.',
  'input.captures':
    'Capture files, folders (every .pcap/.pcapng/.cap inside, recursively) or globs, relative to the config file. A run reads captures or `input.records`, one of the two.',
  'input.records':
    "NetFlow-style record CSVs (files, folders: every .csv inside, globs), instead of `input.captures`. Default header: NetShare's `srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt` plus any label columns (addresses dotted or as integers, `proto` a name or number, `ts` a number since the epoch, its unit told by its size (seconds, milliseconds or microseconds), or a date; `td` seconds). Each record is one sample; synthetic.csv is written in the first file's header and column order.",
  'input.recordColumns':
    'Record field (srcip, dstip, srcport, dstport, proto, ts, td, pkt, byt) → the column holding it, for exports with another header (CIDDS: `ts: Date first seen`, `srcip: Src IP Addr` …); fields not named are found by their own name.',
  'input.labels': "How each capture's class label is found.",
  'input.labels.from':
    '`filename`: the file name without extension; `directory`: the folder holding the file; `mapping`: from `input.labels.mapping`; `column`: a column of each record (`input.labels.column`, records only).',
  'input.labels.column': 'The record column holding the class label (with `from: column`, records only).',
  'input.labels.mapping': 'File name, relative path or glob → label; the first match wins (used with `from: mapping`).',
  'input.flows': 'How packets become samples (bidirectional 5-tuple flows, cut into windows).',
  'input.flows.idleTimeoutSeconds': 'A flow ends after this many seconds without a packet; its next packet starts a new flow.',
  'input.flows.windowPackets': 'Flows are cut into windows of this many packets; each window is one sample.',
  'input.flows.minPackets': 'Flows (and trailing windows) with fewer packets are dropped.',
  'input.flows.maxSamplesPerLabel':
    'Keep at most this many samples per label (a seeded choice); 0 keeps all. Or a map label → maximum (labels it does not name keep all), e.g. to make one class rare.',
  'input.holdout': "Share of each label's samples held back from training: the real side of the evaluation.",
  'input.split':
    '`flow` (default): the holdout is whole flows drawn at random, so no flow has windows on both sides; `time`: per label, the flows that start last; `window`: single windows at random (lets windows of one flow land on both sides, which flatters every real-vs-synthetic figure).',
  encoder: 'The encoder plugin (samples ⇄ image tensors). Without it there is no encode, train, sample or decode stage.',
  'encoder.plugin': "Package name (resolved from the config file's folder, then from the runner's) or a local path starting with `./`, `/` or `file:`.",
  'encoder.options': "The plugin's options (`netsynth plugins` lists them with types and defaults).",
  generator: 'The generator plugin: trains on the encoded training samples, then samples new ones. Needs an encoder.',
  'generator.plugin': 'Package name or local path, as for `encoder.plugin`.',
  'generator.options': "The plugin's options.",
  'generator.samplesPerLabel':
    "Synthetic samples to make per label: one number for every label, a map label → count, or `{mix: capture, total: N, min: M}`: counts in proportion to each class's flows in the real training trace (each generated sample is one flow of synthetic.pcap), so the trace holds its classes as the capture did. `min` (default `holdout`: each label's holdout sample count, what the evaluation compares with; or a number) is each label's least count. Without `total`, every label gets the same multiple (≥ 1) of its real flows, the smallest at which each reaches its minimum: the mix holds exactly and the trace is that many times as long as the capture, at its rates. With `total`, a label whose share falls below its minimum is raised to it (a warning names it; the mix bends there).",
  'generator.extensions':
    'Plugins of kind `extension` added to this generator, in order (e.g. `@netsynth/generator-controlnet` beside the Stable Diffusion UNet). Each is created once with its own seed and handed to the generator as `ctx.extensions`; the generator decides which roles it accepts.',
  'generator.extensions[].plugin': 'Package name or local path, as for `encoder.plugin`.',
  'generator.extensions[].options': "The extension's options (`netsynth plugins` lists them).",
  constraints:
    'Ruleset plugins, applied in this order: check, repair, check again. They work on the decoded synthetic samples, or on the real ones when there is no generator.',
  'constraints[].plugin': 'Package name or local path, as for `encoder.plugin`.',
  'constraints[].options': "The plugin's options.",
  repair: 'What the constraints stage does when a packet cannot be repaired.',
  'repair.unrepairable':
    '`drop` (default): a packet no ruleset can make valid leaves its sample; `keep`: it stays as it was. Either way it is counted and listed (sample, packet index, rule, reason) in constraints.json.',
  evaluators: 'Evaluator plugins: real (holdout) samples vs synthetic samples → metrics.json.',
  'evaluators[].plugin': 'Package name or local path, as for `encoder.plugin`.',
  'evaluators[].options': "The plugin's options.",
  output: 'What the run writes besides the stage outputs.',
  'output.dir': 'Output folder, relative to the config file (`--out DIR` overrides it, relative to the current folder).',
  'output.pcap':
    'Write the final samples as a capture (synthetic.pcap, or repaired.pcap when only constraints ran), and the real holdout as evaluation/real.pcap.',
  'output.images': 'Write PNG renders of up to 16 images per label (images/real/, images/synthetic/).',
  'output.labels':
    'Class labels in the capture: none; comments (also synthetic.pcapng, `label=<class> flow=<id>` on every packet); per-class (also by-class/<class>.pcap). flows.csv is always written.',
  'output.timeline':
    'Generated flows: learned (per class, flow starts follow the real training trace: its inter-arrival gaps drawn near the same point of the trace, at the real rate, so n flows span what n real flows did; a flow that began after every open flow of its class had ended begins the same idle time after the generated ones end, so flows overlap only where the capture had them; classes keep their real layout; each flow keeps its generated duration) or sequential (end to end, 1 s apart).',
  runtime: 'Where ONNX sessions run, for every plugin that runs onnxruntime.',
  'runtime.executionProviders':
    "Execution providers in order of preference, e.g. [cuda, cpu]; a provider this onnxruntime-node install cannot load falls back to the CPU with one warning; cpu is always last. A plugin's own `executionProviders` option overrides it.",
};

export interface ConfigKeyReference {
  path: string;
  type: string;
  required: boolean;
  default?: string;
  meaning: string;
}

interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchemaNode[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  additionalProperties?: JsonSchemaNode | boolean;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function typeText(node: JsonSchemaNode): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (node.anyOf) return node.anyOf.map(typeText).join(' or ');
  let t = Array.isArray(node.type) ? node.type.join(' | ') : (node.type ?? 'any');
  if (t === 'array') t = `list of ${node.items ? typeText(node.items) : 'any'}${node.minItems ? ` (at least ${node.minItems})` : ''}`;
  // An object form inside a union (samplesPerLabel's class mix): its keys.
  if (t === 'object' && node.properties) t = `{${Object.keys(node.properties).join(', ')}}`;
  else if (t === 'object') {
    const values = typeof node.additionalProperties === 'object' ? typeText(node.additionalProperties) : 'any';
    t = `map of string → ${values}`;
  }
  const bounds: string[] = [];
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
  if (node.maximum !== undefined && node.maximum < MAX_SAFE) bounds.push(`≤ ${node.maximum}`);
  return bounds.length ? `${t} ${bounds.join(', ')}` : t;
}

/** Every key of the `netsynth run` config, from core's schema, with type, default and meaning. */
export function configReference(): ConfigKeyReference[] {
  const schema = z.toJSONSchema(runConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const rows: ConfigKeyReference[] = [];
  const walk = (node: JsonSchemaNode, prefix: string): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      const row: ConfigKeyReference = {
        path,
        type: child.properties ? 'object' : typeText(child),
        required: node.required?.includes(key) ?? false,
        meaning: CONFIG_KEY_DOCS[path] ?? '',
      };
      if (child.default !== undefined && !child.properties) row.default = JSON.stringify(child.default);
      if (child.default !== undefined && child.properties) row.default = '(all defaults)';
      rows.push(row);
      if (child.properties) walk(child, path);
      else if (child.type === 'array' && child.items?.properties) {
        rows[rows.length - 1] = { ...row, type: 'list of objects' };
        walk(child.items, `${path}[]`);
      }
    }
  };
  walk(schema, '');
  return rows;
}

/** The reference as a Markdown table (the README's config section is this). */
export function configReferenceMarkdown(): string {
  const lines = ['| key | type | default | meaning |', '| --- | --- | --- | --- |'];
  for (const r of configReference()) {
    const def = r.required ? '**required**' : (r.default ?? '—');
    lines.push(`| \`${r.path}\` | ${r.type.replace(/\|/g, '\\|')} | ${def.replace(/\|/g, '\\|')} | ${r.meaning} |`);
  }
  return lines.join('\n');
}

/** The reference as plain text for `netsynth run --help`. */
export function configReferenceText(): string {
  const rows = configReference();
  const width = Math.max(...rows.map((r) => r.path.length));
  return rows
    .map((r) => {
      const def = r.required ? 'required' : r.default !== undefined ? `default ${r.default}` : 'optional';
      return `  ${r.path.padEnd(width)}  ${r.type}; ${def}`;
    })
    .join('\n');
}
