import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import {
  ConfigError,
  NetsynthError,
  PluginLoadError,
  PluginOptionsError,
  InvalidArgumentError,
  isNetsynthError,
  formatConfigIssues,
  parseRunConfig,
  type RunConfig,
} from '@netsynth/core';
import { applyOverrides, type ConfigOverride } from './config-overrides.js';

/** A run config read from YAML, with what is needed to point at any of its keys. */
export interface LoadedConfig {
  /** Validated config, defaults filled in. */
  config: RunConfig;
  /** The document as parsed, before validation (plugin options are validated from it). */
  raw: unknown;
  /** Absolute path of the YAML file. */
  file: string;
  /** Its folder: relative paths in the config (captures, local plugins) resolve against it. */
  dir: string;
  /** The file's text (hashed into the manifest). */
  text: string;
  /** `file:line:col` of a dotted config path, or of the deepest part of it that exists. */
  where(configPath: string): string;
}

/** Maps dotted config paths to line and column in a parsed YAML document. */
export class YamlLocator {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    readonly file: string,
  ) {}

  /** `file:line:col` of the key (or sequence item) named by the path; its deepest existing ancestor when missing. */
  where(configPath: string): string {
    const offset = this.offsetOf(configPath === '(root)' ? [] : configPath.split('.'));
    if (offset === undefined) return this.file;
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  private offsetOf(segments: readonly string[]): number | undefined {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0];
    let i = 0;
    while (i < segments.length) {
      if (isMap(node)) {
        // A mapping key may itself hold dots (globs such as "*.pcap"): try the longest match first.
        let matched = false;
        const map = node;
        for (let j = segments.length; j > i && !matched; j--) {
          const key = segments.slice(i, j).join('.');
          const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
          if (pair) {
            offset = (pair.key as Node).range?.[0] ?? offset;
            node = pair.value;
            i = j;
            matched = true;
          }
        }
        if (!matched) return offset;
      } else if (isSeq(node)) {
        const item = node.items[Number(segments[i])];
        if (item === undefined || !/^\d+$/.test(segments[i] ?? '')) return offset;
        offset = (item as Node).range?.[0] ?? offset;
        node = item;
        i++;
      } else {
        return offset;
      }
    }
    return offset;
  }
}

/** Text of a NetsynthError without the "file, at path: " prefix that core composes into it. */
export function bareMessage(error: NetsynthError): string {
  const prefix: string[] = [];
  if (error.file !== undefined) prefix.push(error.file);
  if (error.offset !== undefined) prefix.push(`offset ${error.offset}`);
  if (error.configPath !== undefined) prefix.push(`at ${error.configPath}`);
  const head = prefix.length ? `${prefix.join(', ')}: ` : '';
  return head && error.message.startsWith(head) ? error.message.slice(head.length) : error.message;
}

/**
 * Gives a config-path error the YAML position of its key: `file.yaml:12:3, at
 * input.flows.windowPackets: ...`. Errors that already name a file, or name no config
 * path, come back unchanged.
 */
export function locateConfigError(error: unknown, where: (configPath: string) => string): unknown {
  if (!isNetsynthError(error) || error.configPath === undefined || error.file !== undefined) return error;
  const at = where(error.configPath);
  const message = bareMessage(error);
  let located: NetsynthError;
  const issues = error instanceof ConfigError ? error.issues : undefined;
  // Several problems at once: each line names its own key's position.
  if (issues && issues.length > 1) located = new ConfigError(formatConfigIssues(issues, where), error.configPath, at, undefined, issues);
  else if (error.code === 'CONFIG') located = new ConfigError(message, error.configPath, at);
  else if (error.code === 'PLUGIN_OPTIONS') located = new PluginOptionsError(message, error.configPath, at);
  else if (error.code === 'PLUGIN_LOAD' && error instanceof PluginLoadError)
    located = new PluginLoadError(error.specifier, message.replace(`plugin "${error.specifier}": `, ''), { configPath: error.configPath, file: at });
  else return error;
  if (error instanceof ConfigError && error.expected !== undefined) Object.assign(located, { expected: error.expected });
  return located;
}

/** Aliases a config may expand to: far more than any real config, far fewer than an alias bomb's. */
const MAX_ALIAS_COUNT = 1000;

/**
 * Runs one step of YAML processing; whatever the yaml library throws on hostile input (an
 * alias bomb: "Excessive alias count", a nesting deep enough to exhaust the stack) becomes a
 * ConfigError naming the file.
 */
function yamlStep<T>(file: string, what: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (isNetsynthError(e)) throw e;
    const reason = e instanceof RangeError ? 'nested too deeply' : e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ConfigError(`YAML ${what}: ${reason}`, '(root)', file);
  }
}

/** Parses YAML text; syntax errors and resource limits become ConfigErrors with the file (and line and column). */
export function parseYamlConfig(text: string, file: string): { raw: unknown; locator: YamlLocator } {
  const lines = new LineCounter();
  const doc = yamlStep(file, 'syntax', () => parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }));
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0] ?? lines.linePos(first.pos[0]);
    const at = `${file}:${pos.line}:${pos.col}`;
    throw new ConfigError(`YAML syntax: ${first.message.split('\n')[0] ?? first.message}`, '(root)', at);
  }
  const raw = yamlStep(file, 'content', () => doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown);
  return { raw, locator: new YamlLocator(doc, lines, file) };
}

/** Validates an already parsed config document against core's schema, locating the first problem. */
export function validateConfig(raw: unknown, locator: YamlLocator): RunConfig {
  try {
    return parseRunConfig(raw);
  } catch (e) {
    throw locateConfigError(e, (p) => locator.where(p));
  }
}

/** Reads, parses and validates a run config file; `overrides` (`--set`) replace keys before validation. */
export async function loadConfigFile(path: string, cwd = process.cwd(), overrides: readonly ConfigOverride[] = []): Promise<LoadedConfig> {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the config file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file, cause: e });
  }
  const parsed = parseYamlConfig(text, file);
  const { locator } = parsed;
  const raw = applyOverrides(parsed.raw, overrides);
  // A problem in a key given with --set points at the flag, not at the file's line.
  const where = (p: string): string => {
    const o = [...overrides].reverse().find((x) => p === x.path || p.startsWith(`${x.path}.`));
    return o ? `--set ${o.path}` : locator.where(p);
  };
  let config: RunConfig;
  try {
    config = parseRunConfig(raw);
  } catch (e) {
    throw locateConfigError(e, where);
  }
  return { config, raw, file, dir: dirname(file), text, where };
}
