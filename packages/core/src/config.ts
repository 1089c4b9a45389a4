import { z } from 'zod';
import { ConfigError } from './errors.js';
import { closestMatch, didYouMean } from './suggest.js';

/** One plugin use in a config: the package name (or a local path) and its options. */
export const pluginUseSchema = z.strictObject({
  plugin: z.string().min(1).describe('package name (e.g. @netsynth/encoder-gasf) or a path to a local plugin'),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const labelsSchema = z.strictObject({
  /** filename: label = capture file name without extension; directory: its parent folder; mapping: from `mapping`; column: a column of `input.records`. */
  from: z.enum(['filename', 'directory', 'mapping', 'column']).default('filename'),
  /** The record column that holds the label (with `from: column`). */
  column: z.string().min(1).optional(),
  /** Glob or file name → label; used when `from` is mapping (first match wins). */
  mapping: z.record(z.string(), z.string()).optional(),
});

export const flowsSchema = z.strictObject({
  idleTimeoutSeconds: z.number().positive().default(60),
  /** Split flows into windows of this many packets (a sample each). */
  windowPackets: z.number().int().positive().default(1024),
  /** Drop flows with fewer packets than this. */
  minPackets: z.number().int().positive().default(1),
  /** Keep at most this many samples per label (seeded choice), 0 = all; or a map label → maximum (labels not named keep all). */
  maxSamplesPerLabel: z.union([z.number().int().nonnegative(), z.record(z.string(), z.number().int().nonnegative())]).default(0),
});

export const inputSchema = z
  .strictObject({
    /** Capture files, directories or globs, relative to the config file (this or `records`). */
    captures: z.array(z.string().min(1)).default([]),
    /** NetFlow-style record CSVs (files, directories, globs), instead of captures. */
    records: z.array(z.string().min(1)).default([]),
    /** Record field (srcip, dstip, srcport, dstport, proto, ts, td, pkt, byt) → the CSV column holding it, for exports whose header is not NetShare's. */
    recordColumns: z.record(z.string(), z.string().min(1)).default({}),
    labels: labelsSchema.default({ from: 'filename' }),
    flows: flowsSchema.default({ idleTimeoutSeconds: 60, windowPackets: 1024, minPackets: 1, maxSamplesPerLabel: 0 }),
    /** Share of samples per label held back from training, used as the real side of evaluation. */
    holdout: z.number().min(0).max(0.9).default(0.2),
    /** How the holdout is drawn: whole flows (no flow on both sides), the last flows of each label in time, or single windows. */
    split: z.enum(['flow', 'time', 'window']).default('flow'),
  })
  .superRefine((input, ctx) => {
    // Captures and records are two kinds of input; a run reads exactly one of them.
    const has = [input.captures.length > 0, input.records.length > 0].filter(Boolean).length;
    if (has !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [input.records.length > 0 ? 'records' : 'captures'],
        message:
          has === 0
            ? 'input.captures or input.records is required (expected array of files, folders or globs)'
            : 'give input.captures or input.records, not both',
      });
    }
    if (input.labels.from === 'column' && input.records.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['labels', 'from'], message: 'labels from a column need input.records' });
    }
    if (input.labels.from === 'column' && input.labels.column === undefined) {
      ctx.addIssue({ code: 'custom', path: ['labels', 'column'], message: 'labels.from: column needs labels.column (the column holding the label)' });
    }
  });

/**
 * `generator.samplesPerLabel: {mix: capture}`: per-label counts in the proportions of the real
 * training trace's flows per class (the runner computes them when it samples), so a generated
 * trace holds its classes as the capture did. `total`: samples at that mix (default: as many as
 * the training trace has flows, raised until every label reaches `min`); `min`: each label's
 * least count (`holdout`: its holdout sample count, what the evaluation compares against).
 */
export const samplesAtMixSchema = z.strictObject({
  mix: z.literal('capture'),
  total: z.number().int().positive().optional(),
  min: z.union([z.literal('holdout'), z.number().int().nonnegative()], { error: 'expected "holdout" or a count ≥ 0' }).default('holdout'),
});

const SAMPLES_PER_LABEL_FORMS = 'a count > 0 for every label, a map label → count, or {mix: capture, total: N, min: holdout | M}';

/**
 * A failed samplesPerLabel says which form it was read as: an object with `mix` is the class-mix
 * form (its own problems, by key), anything else one of the count forms.
 */
function samplesPerLabelError(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const input = issue.input;
  if (input !== null && typeof input === 'object' && 'mix' in input) {
    const branch = issue.errors[1] ?? [];
    const problems = branch.map((i) => `${i.path.length ? i.path.join('.') : 'value'}: ${i.message}`).join('; ');
    return `class-mix form {mix: capture, total: N, min: holdout | M}: ${problems}`;
  }
  return `expected ${SAMPLES_PER_LABEL_FORMS}`;
}

export const generatorUseSchema = pluginUseSchema.extend({
  /** Synthetic samples per label: a number, per label, or at the capture's class mix. */
  samplesPerLabel: z
    .union([z.number().int().positive(), samplesAtMixSchema, z.record(z.string(), z.number().int().nonnegative())], { error: samplesPerLabelError })
    .default(8),
  /** Plugins of kind `extension` added to this generator (e.g. a ControlNet beside an SD UNet). */
  extensions: z.array(pluginUseSchema).default([]),
});

export const outputSchema = z.strictObject({
  dir: z.string().default('out'),
  pcap: z.boolean().default(true),
  images: z.boolean().default(true),
  /**
   * Class labels in the capture: `comments` also writes synthetic.pcapng with `label=<class>
   * flow=<sample id>` on every packet; `per-class` also writes one pcap per class (by-class/).
   * flows.csv (5-tuple, label, start, end, packets, bytes) is always written beside the pcap.
   */
  labels: z.enum(['none', 'comments', 'per-class']).default('none'),
  /**
   * Where generated flows start: `learned` draws each class's flow start times from the real
   * training trace's arrivals (first start, inter-arrival gaps) so flows overlap as they did;
   * `sequential` lays samples end to end (1 s apart).
   */
  timeline: z.enum(['learned', 'sequential']).default('learned'),
});

/** Where ONNX sessions run: every plugin that runs onnxruntime gets this list (its own `executionProviders` option overrides it). */
export const runtimeSchema = z.strictObject({
  /** Execution providers in order of preference, e.g. [cuda, cpu]; a missing one falls back with a warning, CPU is always last. */
  executionProviders: z.array(z.string().min(1)).min(1).default(['cpu']),
});

/** What the constraints stage does with a packet its rulesets cannot make valid. */
export const repairSchema = z.strictObject({
  /** `drop` (default): leave it out of the repaired sample; `keep`: keep it as it was. Listed in constraints.json either way. */
  unrepairable: z.enum(['drop', 'keep']).default('drop'),
});

export const runConfigSchema = z.strictObject({
  version: z.literal(1).default(1),
  name: z.string().optional(),
  seed: z.number().int().nonnegative().default(0),
  input: inputSchema,
  encoder: pluginUseSchema.optional(),
  generator: generatorUseSchema.optional(),
  constraints: z.array(pluginUseSchema).default([]),
  repair: repairSchema.default({ unrepairable: 'drop' }),
  evaluators: z.array(pluginUseSchema).default([]),
  output: outputSchema.default({ dir: 'out', pcap: true, images: true, labels: 'none', timeline: 'learned' }),
  runtime: runtimeSchema.default({ executionProviders: ['cpu'] }),
});

export type PluginUse = z.output<typeof pluginUseSchema>;
export type GeneratorUse = z.output<typeof generatorUseSchema>;
export type SamplesAtMix = z.output<typeof samplesAtMixSchema>;
export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Formats a zod path as the dotted path a user sees in the YAML: `input.captures.0`. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(root)';
}

/** Validates a parsed YAML document; the first problem becomes a ConfigError with its path. */
/** One problem of a config: the key it concerns, what is wrong, what was expected. */
export interface ConfigIssue {
  path: string;
  message: string;
  expected?: string;
}

/** The keys an object schema accepts at a config path (through arrays, optionals, defaults). */
function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  const unwrap = (n: z.core.$ZodType): z.core.$ZodType | undefined => {
    const def = n._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    return def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  };
  const objectShape = (n: z.core.$ZodType | undefined): Record<string, z.core.$ZodType> | undefined => {
    for (let k = n; k; k = unwrap(k)) {
      const def = k._zod.def as { type: string; shape?: Record<string, z.core.$ZodType> };
      if (def.type === 'object') return def.shape;
    }
    return undefined;
  };
  for (const step of path) {
    for (let k = node; k; k = unwrap(k)) {
      const def = k._zod.def as { type: string; element?: z.core.$ZodType };
      if (def.type === 'array' && typeof step === 'number') {
        node = def.element;
        break;
      }
      const shape = objectShape(k);
      if (shape) {
        node = shape[String(step)];
        break;
      }
    }
  }
  return Object.keys(objectShape(node) ?? {});
}

/** zod's issue for a required key the file does not have. */
const isMissingKey = (issue: z.core.$ZodIssue): boolean => issue.code === 'invalid_type' && /received undefined$/.test(issue.message);

/**
 * Every problem zod found, one per unknown key, with "did you mean" for near misses. A required
 * key that is missing because it was mistyped (`inptu:`) is one problem, the typo, not also a
 * missing key.
 */
export function configIssues(error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const meant = new Set<string>();
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = knownKeysAt(runConfigSchema, issue.path);
    for (const key of issue.keys) {
      const match = closestMatch(key, known);
      if (match !== undefined) meant.add(formatConfigPath([...issue.path, match]));
    }
  }
  for (const issue of error.issues) {
    if (isMissingKey(issue) && meant.has(formatConfigPath(issue.path))) continue;
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(runConfigSchema, issue.path);
      for (const key of issue.keys) {
        const hint = didYouMean(key, known);
        out.push({
          path: formatConfigPath([...issue.path, key]),
          message: `unknown key "${key}"${hint}`,
          expected: known.length ? `one of ${known.join(', ')}` : 'one of the documented keys',
        });
      }
      continue;
    }
    const expected = expectedOf(issue);
    out.push({ path: formatConfigPath(issue.path), message: issue.message, ...(expected !== undefined && { expected }) });
  }
  return out;
}

/** Validates a parsed config file; every problem is reported at once (ConfigError.issues). */
export function parseRunConfig(raw: unknown, file?: string): RunConfig {
  const result = runConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = configIssues(result.error);
  const first = issues[0];
  if (!first) throw new ConfigError('invalid config', '(root)', file);
  if (issues.length === 1) return failConfig(first.message, first.path, file, first.expected);
  throw new ConfigError(formatConfigIssues(issues), first.path, file, undefined, issues);
}

/** The message of several config problems, one per line; `where` gives a key's position in the file (`run.yaml:3:5`). */
export function formatConfigIssues(issues: readonly ConfigIssue[], where?: (path: string) => string): string {
  const lines = issues.map((i) => `\n  - ${where ? `${where(i.path)}, at ` : ''}${i.path}: ${i.message}${i.expected ? ` (expected ${i.expected})` : ''}`);
  return `${issues.length} problems in the config:${lines.join('')}`;
}

function expectedOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'invalid_type') return issue.expected;
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' | ');
  if (issue.code === 'unrecognized_keys') return 'one of the documented keys';
  return undefined;
}

function failConfig(message: string, path: string, file: string | undefined, expected: string | undefined): never {
  throw new ConfigError(message, path, file, expected);
}
