import type { Constraint, Evaluator, Metric, PluginContext, ReportSection } from '@netsynth/core';
import { createRng, definePlugin, silentProgress } from '@netsynth/core';
import type { ScoreFn, TableCell } from '@netsynth/evalkit';
import { analyseSamples, evaluatorOf, tableSection } from '@netsynth/evalkit';
import { NETSHARE_TESTS, netShareShares } from './netshare.js';
import type { ValidityOptions, ValidityOptionsInput } from './options.js';
import { DEFAULT_RULESETS, validityOptionsSchema } from './options.js';
import type { LoadedRuleset, PassCounts, RulesetOutcome } from './rulesets.js';
import { evaluateRulesets, loadRulesets } from './rulesets.js';
import type { TsharkCounts } from './tshark.js';
import { findTshark, tsharkCounts } from './tshark.js';
// The version is read from package.json at build time (bundled), so a release changes stage hashes.
import pkg from '../package.json' with { type: 'json' };

export {
  NETSHARE_TESTS,
  TCP_ONLY_PORTS,
  UDP_ONLY_PORTS,
  minimumSizeOk,
  netShareShares,
  portsConsistent,
  validDestinationAddress,
  validSourceAddress,
} from './netshare.js';
export type { NetShareShares, NetShareTest } from './netshare.js';
export { DEFAULT_RULESETS, evaluateRulesets, loadRulesets, rulesetSpecifier, shortRulesetName } from './rulesets.js';
export type { LoadedRuleset, PassCounts, RulesetOutcome, RulesetRef } from './rulesets.js';
export { findTshark, tsharkCounts } from './tshark.js';
export type { TsharkCounts } from './tshark.js';
export { validityOptionsSchema } from './options.js';
export type { ValidityOptions, ValidityOptionsInput } from './options.js';

export const EVALUATOR_NAME = '@netsynth/evaluator-validity';

const share = (n: number, d: number): number | null => (d > 0 ? n / d : null);

function rulesetMetrics(o: RulesetOutcome): Metric[] {
  const m = (level: 'packets' | 'flows', c: PassCounts): number | null =>
    level === 'packets' ? share(c.packetsPassing, c.packets) : share(c.flowsPassing, c.flows);
  const out: Metric[] = [];
  for (const level of ['packets', 'flows'] as const) {
    out.push({
      name: `ruleset.${o.name}.${level}_pass`,
      value: m(level, o.synthetic),
      real: m(level, o.real),
      synthetic: m(level, o.synthetic),
      direction: 'higher',
      group: 'rulesets',
      unit: 'share',
    });
    if (o.repaired) {
      out.push({ name: `ruleset.${o.name}.${level}_pass_after_repair`, value: m(level, o.repaired), direction: 'higher', group: 'rulesets', unit: 'share' });
    }
  }
  return out;
}

function rulesetTable(outcomes: readonly RulesetOutcome[]): ReportSection {
  const pct = (n: number, d: number): number | null => (d > 0 ? Math.round((1000 * n) / d) / 10 : null);
  const rows: TableCell[][] = outcomes.map((o) => {
    const worst = [...o.synthetic.byField.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    return [
      o.name,
      pct(o.real.packetsPassing, o.real.packets),
      pct(o.synthetic.packetsPassing, o.synthetic.packets),
      o.repaired ? pct(o.repaired.packetsPassing, o.repaired.packets) : null,
      pct(o.real.flowsPassing, o.real.flows),
      pct(o.synthetic.flowsPassing, o.synthetic.flows),
      o.repaired ? pct(o.repaired.flowsPassing, o.repaired.flows) : null,
      worst.map(([f, n]) => `${f} (${n})`).join(', ') || '—',
    ];
  });
  return tableSection('Protocol rulesets', {
    id: 'validity-rulesets',
    columns: [
      'ruleset',
      'real packets %',
      'synthetic packets %',
      'after repair %',
      'real flows %',
      'synthetic flows %',
      'after repair %',
      'most violated fields (synthetic)',
    ],
    rows,
    note: 'Share of packets with no violation and of flows with none at all; "all" checks every ruleset together, repairing in the listed order.',
  });
}

export interface ValidityEvaluatorExtras {
  /** Constraint instances to check besides (or instead of) the rulesets loaded by name. */
  constraints?: readonly Constraint[];
}

export function createValidityEvaluator(input: ValidityOptionsInput = {}, extras: ValidityEvaluatorExtras = {}): Evaluator {
  const options: ValidityOptions = validityOptionsSchema.parse(input);
  let loaded: Promise<LoadedRuleset[]> | undefined;
  const rulesetsFor = (ctx: PluginContext): Promise<LoadedRuleset[]> => {
    loaded ??= (async () => {
      const byName = options.rulesets ?? (extras.constraints ? [] : DEFAULT_RULESETS);
      const fromPackages = await loadRulesets(byName, ctx, options.rulesets === undefined);
      return [...fromPackages, ...(extras.constraints ?? []).map((constraint) => ({ name: constraint.name, constraint }))];
    })();
    return loaded;
  };
  const score: ScoreFn = async (real, synthetic, ctx) => {
    const context: PluginContext = ctx ?? { seed: 0, rng: createRng(0), progress: silentProgress, workDir: process.cwd(), baseDir: process.cwd() };
    const metrics: Metric[] = [];
    const sections: ReportSection[] = [];

    const rulesets = await rulesetsFor(context);
    if (rulesets.length > 0) {
      const outcomes = evaluateRulesets(rulesets, real.samples, synthetic.samples, createRng(context.seed).fork('validity'), options.repair);
      for (const o of outcomes) metrics.push(...rulesetMetrics(o));
      sections.push(rulesetTable(outcomes));
    }

    if (options.netshareTests) {
      const r = netShareShares(analyseSamples(real.samples).flatMap((a) => a.packets));
      const s = netShareShares(analyseSamples(synthetic.samples).flatMap((a) => a.packets));
      const rows: TableCell[][] = [];
      for (const t of NETSHARE_TESTS) {
        const rv = r.perTest[t.name] ?? null;
        const sv = s.perTest[t.name] ?? null;
        metrics.push({ name: `netshare.${t.name}`, value: sv, real: rv, synthetic: sv, direction: 'higher', group: 'netshare', unit: 'share' });
        rows.push([t.name, t.description, rv, sv]);
      }
      metrics.push({ name: 'netshare.all', value: s.all, real: r.all, synthetic: s.all, direction: 'higher', group: 'netshare', unit: 'share' });
      rows.push(['all', 'IP packets passing every test that applies', r.all, s.all]);
      sections.push(
        tableSection("NetShare's validity tests", {
          id: 'validity-netshare',
          columns: ['test', 'what passes', 'real share', 'synthetic share'],
          rows,
          note: 'Share of IP packets passing, among those a test applies to.',
        }),
      );
    }

    if (options.tshark === 'auto' && synthetic.pcapPath && findTshark()) {
      const syn = await tsharkCounts(synthetic.pcapPath, findTshark(), context.signal);
      const rea: TsharkCounts | null = real.pcapPath ? await tsharkCounts(real.pcapPath, findTshark(), context.signal) : null;
      if (syn.warning) context.progress.warn(`validity: ${syn.warning}`);
      const keys = [
        ['malformed', 'malformed packets'],
        ['expertErrors', 'packets with expert errors'],
        ['expertWarnings', 'packets with expert warnings'],
        ['badChecksums', 'packets with a bad checksum'],
      ] as const;
      const rows: TableCell[][] = [];
      for (const [key, label] of keys) {
        const name = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        const sShare = share(syn[key], syn.packets);
        const rShare = rea ? share(rea[key], rea.packets) : null;
        metrics.push({ name: `tshark.${name}`, value: sShare, real: rShare, synthetic: sShare, direction: 'lower', group: 'tshark', unit: 'share' });
        rows.push([label, rea ? rea[key] : null, rShare, syn[key], sShare]);
      }
      metrics.push({
        name: 'tshark.packets',
        value: syn.packets,
        real: rea?.packets ?? null,
        synthetic: syn.packets,
        direction: 'info',
        group: 'tshark',
        unit: 'packets',
      });
      sections.push(
        tableSection('tshark', {
          id: 'validity-tshark',
          columns: ['what', 'real count', 'real share', 'synthetic count', 'synthetic share'],
          rows,
          note: 'tshark with IPv4/TCP/UDP checksum validation on; bad checksums also count as expert errors.',
        }),
      );
    }

    return { metrics, sections };
  };
  // The capture is read for tshark's counts alone: a caller that must write it first skips that otherwise.
  return evaluatorOf(EVALUATOR_NAME, score, { needsPcap: options.tshark === 'auto' && findTshark() !== null });
}

export default definePlugin({
  name: EVALUATOR_NAME,
  kind: 'evaluator',
  version: pkg.version,
  description:
    "Share of packets and flows passing each protocol ruleset (before and after repair), NetShare's validity tests, tshark's malformed and checksum counts",
  options: validityOptionsSchema,
  create: (options) => createValidityEvaluator(options),
});
