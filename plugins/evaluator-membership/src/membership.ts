/**
 * A black-box membership-inference audit through the synthetic data (the threat model of a
 * released synthetic dataset): the attacker holds the synthetic samples and a candidate real
 * sample and guesses whether the candidate was in the training set. Members are the
 * generator's training samples, non-members the real held-out samples, in equal numbers.
 *
 * Two scores, both "higher means member":
 * - distance: minus the distance to the nearest synthetic sample (GAN-Leaks, Chen et al. 2020);
 * - density: a Gaussian-kernel estimate of the synthetic density at the candidate, the
 *   Monte-Carlo attack of Hilprecht et al. 2019, bandwidth the median nearest distance.
 * A generator that memorises puts synthetic samples near its training samples, so both rise
 * for members; AUC 0.5 means the attacker does no better than a coin.
 */
import { InvalidArgumentError, createRng, type EvalSet, type GeneratedSample, type LabelledSample, type Metric, type ReportSection } from '@netsynth/core';
import { cdfSection, ecdfPoints, quantile, sampleAtMost, tableSection } from '@netsynth/evalkit';
import { chooseMode, imageVector, privacyOptionsSchema, seriesVector } from '@netsynth/evaluator-privacy';
import type { MembershipOptions } from './options.js';
import { rocAuc, rocPoints } from './roc.js';

interface Point {
  label: string;
  v: Float64Array;
}

export interface MembershipResult {
  metrics: Metric[];
  sections: ReportSection[];
  /** Why the audit could not run (no training set given), when it could not. */
  skipped?: string;
}

type Item = LabelledSample | GeneratedSample;

function sides(real: EvalSet, synthetic: EvalSet, mode: 'series' | 'images'): { members: Item[]; nonMembers: Item[]; synthetic: Item[] } {
  if (mode === 'images') return { members: real.training?.images ?? [], nonMembers: real.images ?? [], synthetic: synthetic.images ?? [] };
  return { members: real.training?.samples ?? [], nonMembers: real.samples, synthetic: synthetic.samples };
}

function squaredDistances(q: Float64Array, refs: readonly Point[]): Float64Array {
  return Float64Array.from(refs, (r) => {
    let s = 0;
    for (let j = 0; j < q.length; j++) {
      const d = (q[j] as number) - ((r.v[j] as number) ?? 0);
      s += d * d;
    }
    return s;
  });
}

/** Both attack scores for each candidate. */
function scores(candidates: readonly Point[], synthetic: readonly Point[], sameLabel: boolean): { distance: number[]; density: number[] } {
  const byLabel = new Map<string, Point[]>();
  for (const p of synthetic) byLabel.set(p.label, [...(byLabel.get(p.label) ?? []), p]);
  const d2 = candidates.map((c) => squaredDistances(c.v, sameLabel && byLabel.has(c.label) ? (byLabel.get(c.label) as Point[]) : synthetic));
  const nearest = d2.map((ds) => Math.sqrt(Math.min(...ds)));
  // One bandwidth for every candidate, so scores compare across them.
  const h = Math.max(quantile(nearest, 0.5) ?? 0, 1e-12);
  const density = d2.map((ds) => {
    const e = Array.from(ds, (x) => -x / (2 * h * h));
    const top = Math.max(...e);
    return top + Math.log(e.reduce((s, x) => s + Math.exp(x - top), 0) / ds.length);
  });
  return { distance: nearest.map((d) => -d), density };
}

export function evaluateMembership(real: EvalSet, synthetic: EvalSet, o: MembershipOptions, seed: number): MembershipResult {
  const mode = chooseMode(real, synthetic, privacyOptionsSchema.parse({ features: o.features }));
  const s = sides(real, synthetic, mode);
  if (s.members.length === 0 || s.nonMembers.length === 0 || s.synthetic.length === 0) {
    const why =
      s.members.length === 0
        ? 'no training set given (EvalSet.training): members are unknown'
        : s.nonMembers.length === 0
          ? 'no held-out real samples'
          : 'no synthetic samples';
    return { metrics: [{ name: 'mia.auc', value: null, direction: 'lower', group: 'membership inference' }], sections: [], skipped: why };
  }
  const rng = createRng(seed).fork('membership');
  const n = Math.min(s.members.length, s.nonMembers.length, o.maxSamples);
  const vec = (item: Item): Point => ({
    label: item.label,
    v: mode === 'images' ? imageVector((item as GeneratedSample).tensor, o.imagePoolSide) : seriesVector(item as LabelledSample, o.seriesLength),
  });
  const members = sampleAtMost(s.members, n, rng.fork('members')).map(vec);
  const nonMembers = sampleAtMost(s.nonMembers, n, rng.fork('non-members')).map(vec);
  const syn = sampleAtMost(s.synthetic, 4 * o.maxSamples, rng.fork('synthetic')).map(vec);
  const dims = new Set([...members, ...nonMembers, ...syn].map((p) => p.v.length));
  if (dims.size > 1) throw new InvalidArgumentError(`membership: ${mode} of different sizes cannot be compared (${[...dims].join(', ')} values)`);

  const all = scores([...members, ...nonMembers], syn, o.sameLabel);
  const split = (xs: number[]): [number[], number[]] => [xs.slice(0, n), xs.slice(n)];
  const attacks = (['distance', 'density'] as const).map((name) => {
    const [m, nm] = split(all[name]);
    return { name, members: m, nonMembers: nm, auc: rocAuc(m, nm), ...rocPoints(m, nm, o.lowFpr) };
  });
  const best = attacks.reduce((a, b) => ((b.auc ?? 0) > (a.auc ?? 0) ? b : a));
  const group = 'membership inference';
  const metrics: Metric[] = [
    // The auditor reports the stronger attack; 0.5 is a coin flip, 1 a perfect attacker.
    { name: 'mia.auc', value: best.auc, direction: 'lower', group },
    ...attacks.map((a): Metric => ({ name: `mia.${a.name}.auc`, value: a.auc, direction: 'lower', group })),
    { name: 'mia.advantage', value: best.advantage, direction: 'lower', group, unit: 'TPR − FPR' },
    { name: 'mia.tpr_at_low_fpr', value: best.tprAtFpr, direction: 'lower', group, unit: `TPR at FPR ≤ ${o.lowFpr}` },
    { name: 'mia.candidates', value: n, direction: 'info', group },
  ];
  const note =
    `${mode === 'images' ? `Image tensors pooled to ≤ ${o.imagePoolSide}² per channel` : `First ${o.seriesLength} packet sizes and gaps`}; ` +
    `${n} training (members) and ${n} held-out (non-members) samples against ${syn.length} synthetic${o.sameLabel ? ' of the same label' : ''}. ` +
    'AUC 0.5: the synthetic data reveal nothing about membership to these attacks (an audit, not a proof: DP gives the bound).';
  const sections: ReportSection[] = [
    tableSection('Membership inference', {
      id: 'membership-attacks',
      columns: ['attack', 'AUC', 'advantage (TPR − FPR)', `TPR at FPR ≤ ${o.lowFpr}`],
      rows: attacks.map((a) => [
        a.name === 'distance' ? 'distance to nearest synthetic sample' : 'synthetic density (Gaussian kernel)',
        a.auc,
        a.advantage,
        a.tprAtFpr,
      ]),
      note,
    }),
    cdfSection('Distance to the nearest synthetic sample: training vs held-out', {
      id: 'cdf-membership-distance',
      xLabel: `distance to the nearest synthetic sample (${mode})`,
      logX: false,
      series: [
        { name: 'training (members)', ...ecdfPoints((attacks[0] as { members: number[] }).members.map((x) => -x)) },
        { name: 'held-out (non-members)', ...ecdfPoints((attacks[0] as { nonMembers: number[] }).nonMembers.map((x) => -x)) },
      ],
    }),
  ];
  return { metrics, sections };
}
