import { parse as parseYamlValue } from 'yaml';
import { InvalidArgumentError } from '@netsynth/core';

/** One `--set KEY=VALUE`: a dotted config path (list items by index) and its YAML value. */
export interface ConfigOverride {
  path: string;
  value: unknown;
}

/**
 * Parses `KEY=VALUE` (`generator.options.steps=200`, `constraints.0.options.ttl=64`,
 * `input.flows={windowPackets: 16}`). The value is YAML, so numbers, booleans, lists and
 * maps work as in the config file; quote it to force a string.
 */
export function parseOverride(text: string): ConfigOverride {
  const eq = text.indexOf('=');
  const path = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq < 0 || path === '' || path.split('.').some((s) => s === '')) {
    throw new InvalidArgumentError(`--set ${JSON.stringify(text)}: expected KEY=VALUE with a dotted config key, e.g. --set generator.samplesPerLabel=4`);
  }
  let value: unknown;
  try {
    value = parseYamlValue(text.slice(eq + 1));
  } catch (e) {
    throw new InvalidArgumentError(`--set ${path}: the value is not valid YAML (${(e as Error).message.split('\n')[0]})`, { configPath: path, cause: e });
  }
  return { path, value: value ?? null };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Applies overrides to a parsed config document (a copy; the input is not changed), before
 * validation, so a wrong key or value is reported by the schema like one in the file.
 * Missing maps on the way are created; a list item must exist.
 */
export function applyOverrides(raw: unknown, overrides: readonly ConfigOverride[]): unknown {
  if (overrides.length === 0) return raw;
  const root: unknown = structuredClone(raw ?? {});
  for (const { path, value } of overrides) {
    const segments = path.split('.');
    let node: unknown = root;
    segments.forEach((seg, i) => {
      const last = i === segments.length - 1;
      const where = segments.slice(0, i + 1).join('.');
      if (Array.isArray(node)) {
        const index = /^\d+$/.test(seg) ? Number(seg) : -1;
        if (index < 0 || index >= node.length) {
          throw new InvalidArgumentError(`--set ${path}: ${where} is not an item of the list (it has ${node.length})`, { configPath: where });
        }
        if (last) node[index] = value;
        else node = node[index];
      } else if (isRecord(node)) {
        if (last) node[seg] = value;
        else {
          if (node[seg] === undefined || node[seg] === null) node[seg] = {};
          node = node[seg];
        }
      } else {
        throw new InvalidArgumentError(`--set ${path}: ${segments.slice(0, i).join('.')} is a value, not a map or list`, {
          configPath: segments.slice(0, i).join('.'),
        });
      }
    });
  }
  return root;
}
