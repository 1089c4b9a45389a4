import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HAVE_TSHARK, REPO_ROOT, exec, type Completed } from './env.js';

export const EXAMPLES = join(REPO_ROOT, 'examples');

/**
 * Runs `netsynth run examples/NAME.yaml --out OUT --force --set ...` with the built CLI, from
 * the repo root, as a user would (the README's command plus --set to shrink the scale).
 */
export function runExample(cli: string, name: string, out: string, sets: readonly string[], extra: readonly string[] = []): Promise<Completed> {
  const args = [cli, 'run', join('examples', `${name}.yaml`), '--out', out, '--force', ...sets.flatMap((s) => ['--set', s]), ...extra];
  return exec(process.execPath, args, { cwd: REPO_ROOT });
}

export interface MetricsJson {
  inputs: { real: string; synthetic: string };
  evaluators: { evaluator: string; metrics: { name: string; value: number | null; real?: number | null; synthetic?: number | null }[] }[];
}

export function readMetrics(outDir: string): MetricsJson {
  return JSON.parse(readFileSync(join(outDir, 'metrics.json'), 'utf8')) as MetricsJson;
}

/** The value of one metric of one evaluator (undefined when absent). */
export function metric(m: MetricsJson, evaluator: string, name: string): { value: number | null; real?: number | null; synthetic?: number | null } | undefined {
  return m.evaluators.find((e) => e.evaluator === evaluator)?.metrics.find((x) => x.name === name);
}

const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

export interface TsharkVerdict {
  packets: number;
  malformed: number;
  expertErrors: number;
  badChecksums: number;
  stderr: string;
}

/** The counts of a {@link TsharkVerdict} that a valid capture has at zero. */
export type TsharkProblems = Pick<TsharkVerdict, 'malformed' | 'expertErrors' | 'badChecksums'>;
export const NO_TSHARK_PROBLEMS: TsharkProblems = { malformed: 0, expertErrors: 0, badChecksums: 0 };

/** The problem counts of a verdict, to compare with {@link NO_TSHARK_PROBLEMS}. */
export function tsharkProblems(v: TsharkVerdict): TsharkProblems {
  return { malformed: v.malformed, expertErrors: v.expertErrors, badChecksums: v.badChecksums };
}

/** What tshark says about a capture, all checksums validated. */
export async function tsharkVerdict(file: string): Promise<TsharkVerdict> {
  if (!HAVE_TSHARK) throw new Error('tshark is not installed');
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const count = async (filter: string): Promise<number> => {
    const r = await exec('tshark', ['-n', '-r', file, ...CHECKSUMS, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
    if (r.code !== 0) throw new Error(`tshark -Y ${filter} failed on ${file}: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
  };
  const expert = await exec('tshark', ['-n', '-q', '-r', file, ...CHECKSUMS, '-z', 'expert,error']);
  if (expert.code !== 0) throw new Error(`tshark failed on ${file}: ${expert.stderr}`);
  const m = /Errors \((\d+)\)/.exec(expert.stdout);
  return {
    packets: await count('frame'),
    malformed: await count('_ws.malformed'),
    expertErrors: m ? Number(m[1]) : 0,
    badChecksums: await count('ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0'),
    stderr: expert.stderr,
  };
}

/** The report's pieces the issue asks for, per class, as found in report.html. */
export function reportContents(html: string, labels: readonly string[]): Record<string, unknown> {
  const section = (id: string): string => {
    const i = html.indexOf(`id="${id}"`);
    if (i < 0) return '';
    const next = html.indexOf('<h3', i + 1);
    const h2 = html.indexOf('<h2', i + 1);
    const end = [next, h2].filter((x) => x > 0).reduce((a, b) => Math.min(a, b), html.length);
    return html.slice(i, end);
  };
  const imgs = (s: string, cls: string): number => {
    const i = s.indexOf(`class="${cls}"`);
    if (i < 0) return 0;
    const end = s.indexOf('</figure>', i);
    return (s.slice(i, end).match(/<img /g) ?? []).length;
  };
  const images: Record<string, { real: number; synthetic: number }> = {};
  for (const label of labels) {
    const s = section(`images-${label}`);
    images[label] = { real: imgs(s, 'real'), synthetic: imgs(s, 'synthetic') };
  }
  const cdfs = [...html.matchAll(/id="(cdf-[a-z0-9-]+?)"/g)].map((m) => m[1]!).filter((id) => !id.endsWith('-title'));
  const table = (id: string): number => {
    const i = html.indexOf(`id="${id}"`);
    if (i < 0) return 0;
    const end = html.indexOf('</table>', i);
    return end < 0 ? 0 : (html.slice(i, end).match(/<tr/g) ?? []).length;
  };
  return {
    images,
    /** CDF plot id → curves drawn in it (real and synthetic: 2). */
    cdfs: Object.fromEntries(
      cdfs.map((id) => {
        const i = html.indexOf(`id="${id}"`);
        const svg = html.slice(i, html.indexOf('</svg>', i));
        return [id, (svg.match(/<path /g) ?? []).length];
      }),
    ),
    classifierRows: table('downstream-classifiers'),
    validityRows: table('validity-rulesets'),
    tsharkRows: table('validity-tshark'),
  };
}
