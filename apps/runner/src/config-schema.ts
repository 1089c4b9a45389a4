import { pluginOptionsJsonSchema, runConfigSchema, type AnyPluginDefinition, type JsonObject, type PluginKind } from '@netsynth/core';
import { z } from 'zod';

/** The schema file `netsynth init` writes beside the config it makes (`netsynth schema --out` makes it anew). */
export const CONFIG_SCHEMA_FILE = 'netsynth.schema.json';

/** Where a config names plugins, and which kind each place takes. */
const PLUGIN_PLACES: readonly { path: readonly string[]; list: boolean; kind: PluginKind }[] = [
  { path: ['encoder'], list: false, kind: 'encoder' },
  { path: ['generator'], list: false, kind: 'generator' },
  { path: ['generator', 'extensions'], list: true, kind: 'extension' },
  { path: ['constraints'], list: true, kind: 'constraint' },
  { path: ['evaluators'], list: true, kind: 'evaluator' },
];

interface SchemaObject {
  properties?: Record<string, SchemaObject>;
  items?: SchemaObject;
  anyOf?: SchemaObject[];
  [key: string]: unknown;
}

/** The object schema under `path`, through optional wrappers (anyOf with null) zod may emit. */
function nodeAt(root: SchemaObject, path: readonly string[]): SchemaObject | undefined {
  let node: SchemaObject | undefined = root;
  for (const key of path) {
    const props: Record<string, SchemaObject> | undefined = node?.properties ?? node?.anyOf?.find((a) => a.properties)?.properties;
    node = props?.[key];
  }
  return node;
}

/**
 * The JSON Schema of a run config with every given plugin's options: a plugin-use object gets
 * one `if plugin is NAME then options follow NAME's schema` branch per plugin of its kind, and
 * the plugin names as examples, so an editor (yaml-language-server) completes and checks both.
 */
export function runConfigJsonSchema(plugins: readonly AnyPluginDefinition[]): JsonObject {
  const schema = z.toJSONSchema(runConfigSchema, { io: 'input', unrepresentable: 'any' }) as SchemaObject;
  for (const place of PLUGIN_PLACES) {
    const at = nodeAt(schema, place.path);
    const use = place.list ? at?.items : at;
    if (!use?.properties) continue;
    const ofKind = plugins.filter((p) => p.kind === place.kind);
    const plugin = use.properties['plugin'];
    if (plugin) plugin['examples'] = ofKind.map((p) => p.name);
    use['allOf'] = ofKind.map((p) => ({
      if: { properties: { plugin: { const: p.name } }, required: ['plugin'] },
      then: { properties: { options: pluginOptionsJsonSchema(p) } },
    }));
  }
  schema['title'] = 'netsynth run config';
  return schema as JsonObject;
}
