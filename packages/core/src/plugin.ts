import { z } from 'zod';
import type { Constraint, Encoder, Evaluator, Generator, GeneratorExtension, PluginContext } from './contracts.js';
import { InvalidArgumentError, PluginOptionsError } from './errors.js';
import type { PluginFileFormat } from './file-format.js';
import type { JsonObject, JsonValue } from './json.js';

export type PluginKind = 'encoder' | 'generator' | 'extension' | 'constraint' | 'evaluator';

export interface PluginInstanceMap {
  encoder: Encoder;
  generator: Generator;
  extension: GeneratorExtension;
  constraint: Constraint;
  evaluator: Evaluator;
}

export type PluginInstance<K extends PluginKind> = PluginInstanceMap[K];

/** Brand so a definition made by another copy of @netsynth/core is still recognised. */
const PLUGIN_BRAND = 'netsynth.plugin/1';

export interface PluginDefinition<K extends PluginKind = PluginKind, S extends z.ZodType = z.ZodType> {
  readonly brand: typeof PLUGIN_BRAND;
  /** Package-style name, e.g. "@netsynth/encoder-gasf". */
  readonly name: string;
  readonly kind: K;
  readonly version: string;
  readonly description: string;
  /** Zod schema of the options object (defaults filled in by parsing). */
  readonly options: S;
  /** File formats the plugin reads and writes besides tensors (see PluginFileFormat). */
  readonly formats?: readonly PluginFileFormat[];
  /**
   * Named option sets a command can apply under the user's own options: `strict` is what
   * `netsynth check --strict` uses for a generated capture (no NIC offload, no capture loss).
   */
  readonly presets?: Readonly<Record<string, JsonObject>>;
  create(options: z.output<S>, ctx: PluginContext): PluginInstance<K> | Promise<PluginInstance<K>>;
}

export type AnyPluginDefinition = { [K in PluginKind]: PluginDefinition<K, z.ZodType> }[PluginKind];

export interface PluginSpec<K extends PluginKind, S extends z.ZodType> {
  name: string;
  kind: K;
  version: string;
  description: string;
  options: S;
  formats?: readonly PluginFileFormat[];
  presets?: Readonly<Record<string, JsonObject>>;
  create(options: z.output<S>, ctx: PluginContext): PluginInstance<K> | Promise<PluginInstance<K>>;
}

const KINDS: readonly PluginKind[] = ['encoder', 'generator', 'extension', 'constraint', 'evaluator'];

export function definePlugin<K extends PluginKind, S extends z.ZodType>(spec: PluginSpec<K, S>): PluginDefinition<K, S> {
  if (!spec.name) throw new InvalidArgumentError('a plugin needs a name');
  if (!KINDS.includes(spec.kind)) {
    throw new InvalidArgumentError(`plugin ${spec.name}: kind must be one of ${KINDS.join(', ')}, got ${String(spec.kind)}`);
  }
  return Object.freeze({ ...spec, brand: PLUGIN_BRAND });
}

export function isPluginDefinition(value: unknown): value is AnyPluginDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { brand?: unknown }).brand === PLUGIN_BRAND &&
    typeof (value as { create?: unknown }).create === 'function' &&
    KINDS.includes((value as { kind: PluginKind }).kind)
  );
}

/**
 * Validates raw options against the plugin's schema. Issues are reported with their
 * path prefixed by `configPath` (e.g. "encoder.options.resolution").
 */
export function parsePluginOptions<K extends PluginKind, S extends z.ZodType>(
  def: PluginDefinition<K, S>,
  raw: unknown,
  configPath: string,
  file?: string,
): z.output<S> {
  const result = def.options.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [configPath, ...(issue?.path ?? []).map(String)].join('.');
  const message = issue ? `${issue.message} (plugin ${def.name})` : `invalid options for ${def.name}`;
  throw new PluginOptionsError(message, path, file);
}

/** JSON Schema of a plugin's options, for `netsynth plugins` and docs. */
export function pluginOptionsJsonSchema(def: AnyPluginDefinition): JsonValue {
  try {
    return z.toJSONSchema(def.options, { unrepresentable: 'any', io: 'input' }) as JsonValue;
  } catch {
    return { description: 'schema not representable as JSON Schema' };
  }
}
