import { basename, dirname, extname, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { ConfigError, type RunConfig } from '@netsynth/core';

export type LabelsConfig = RunConfig['input']['labels'];

/** Forward-slashed path segments' suffixes: `a/b/c.pcap` → `c.pcap`, `b/c.pcap`, `a/b/c.pcap`. */
function suffixes(path: string): string[] {
  const parts = path.split('/').filter((s) => s !== '');
  const out: string[] = [];
  for (let i = parts.length - 1; i >= 0; i--) out.push(parts.slice(i).join('/'));
  out.push(path);
  return out;
}

function withoutExtension(name: string): string {
  const ext = extname(name);
  return ext ? name.slice(0, -ext.length) : name;
}

/**
 * The class label of a capture:
 * - `filename`: the file name without its extension (`lab/web.pcap` → `web`);
 * - `directory`: the name of the folder holding it (`data/web/a.pcap` → `web`);
 * - `mapping`: the value of the first mapping key (in insertion order) that matches. A key
 *   is a file name (`web.pcap`, or `web` without extension), a relative path, or a glob
 *   (`*.pcapng`, `lab/**`); it matches when it matches the file name or any trailing run of
 *   path segments, or the absolute path. No match is a ConfigError at `input.labels.mapping`.
 */
export function labelForCapture(path: string, labels: LabelsConfig): string {
  const abs = resolve(path).split(sep).join('/');
  switch (labels.from) {
    case 'filename':
      return withoutExtension(basename(abs));
    case 'directory':
      return basename(dirname(abs));
    case 'mapping': {
      const mapping = labels.mapping ?? {};
      const candidates = suffixes(abs);
      const name = basename(abs);
      for (const [rawKey, label] of Object.entries(mapping)) {
        const key = rawKey.replace(/\\/g, '/').replace(/^\.\//, '');
        if (picomatch.scan(key).isGlob) {
          const isMatch = picomatch(key, { dot: true });
          if (candidates.some((c) => isMatch(c))) return label;
        } else if (candidates.includes(key) || withoutExtension(name) === key) {
          return label;
        }
      }
      throw new ConfigError(`no label mapping matches capture ${path}`, 'input.labels.mapping', undefined, 'a key (file name or glob) matching every capture');
    }
    default:
      throw new ConfigError(
        `unknown label source ${String((labels as { from: unknown }).from)}`,
        'input.labels.from',
        undefined,
        'filename | directory | mapping',
      );
  }
}
