import type { EvaluationResult, Metric } from '@netsynth/core';
import { formatNumber } from '@netsynth/evalkit';
import { esc } from './html.js';

export type Verdict = 'pass' | 'warn' | 'fail' | 'none';

/** One figure on a card: the synthetic value beside what real data scores against itself. */
export interface CardFigure {
  label: string;
  value: number | null;
  floor: number | null;
  direction: Metric['direction'];
}

export interface ScoreCard {
  id: 'fidelity' | 'utility' | 'validity' | 'privacy';
  title: string;
  figures: CardFigure[];
  verdict: Verdict;
  /** The verdict in plain words. */
  words: string;
}

type Lookup = (name: string) => Metric | undefined;

const numeric = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The median value and median floor of the overall (not per-class) metrics whose name ends with `suffix`. */
function medianOf(all: readonly Metric[], suffix: string, label: string): CardFigure | undefined {
  const ms = all.filter((m) => m.class === undefined && m.name.endsWith(suffix) && !m.name.startsWith('trace.') && numeric(m.value));
  if (ms.length === 0) return undefined;
  const floors = ms.map((m) => m.floor).filter(numeric);
  return {
    label: `${label} (median of ${ms.length})`,
    value: median(ms.map((m) => m.value as number)),
    floor: floors.length === ms.length ? median(floors) : null,
    direction: 'lower',
  };
}

function figure(m: Metric | undefined, label: string): CardFigure | undefined {
  return m ? { label, value: m.value, floor: m.floor ?? null, direction: m.direction } : undefined;
}

function meanOf(all: readonly Metric[], pattern: RegExp, label: string): CardFigure | undefined {
  const ms = all.filter((m) => m.class === undefined && pattern.test(m.name) && numeric(m.value));
  if (ms.length === 0) return undefined;
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const floors = ms.map((m) => m.floor).filter(numeric);
  return {
    label: `${label} (mean of ${ms.length} classifiers)`,
    value: avg(ms.map((m) => m.value as number)),
    floor: floors.length === ms.length ? avg(floors) : null,
    direction: 'higher',
  };
}

/**
 * How far a figure is from its floor, as a verdict: lower-is-better figures within 1.5× their
 * floor (plus a small absolute slack for floors near 0) pass, within 3× warn; higher-is-better
 * figures pass within 0.05 below the floor, warn within 0.15. The rules are fixed ratios to
 * the run's own floor, never thresholds fitted to a data set.
 */
export function judge(f: CardFigure): Verdict {
  if (!numeric(f.value) || !numeric(f.floor) || f.direction === 'info') return 'none';
  if (f.direction === 'lower') {
    if (f.value <= 1.5 * f.floor + 0.01) return 'pass';
    return f.value <= 3 * f.floor + 0.02 ? 'warn' : 'fail';
  }
  if (f.value >= f.floor - 0.05) return 'pass';
  return f.value >= f.floor - 0.15 ? 'warn' : 'fail';
}

const ORDER: Verdict[] = ['fail', 'warn', 'pass', 'none'];
const worst = (vs: readonly Verdict[]): Verdict => ORDER.find((o) => vs.includes(o)) ?? 'none';

function card(id: ScoreCard['id'], title: string, figures: (CardFigure | undefined)[], words: Record<Verdict, string>, extra?: Verdict): ScoreCard {
  const present = figures.filter((f): f is CardFigure => f !== undefined);
  const verdicts = present.map(judge);
  const verdict = worst(extra ? [...verdicts, extra] : verdicts);
  const offender = present.find((f) => judge(f) === verdict && verdict !== 'pass' && verdict !== 'none');
  const why = offender ? ` Furthest from its floor: ${offender.label} ${formatNumber(offender.value)} against ${formatNumber(offender.floor)}.` : '';
  return { id, title, figures: present, verdict, words: words[verdict] + why };
}

function privacyCard(get: Lookup): ScoreCard {
  const exact = figure(get('exact_copies.share'), 'exact copies of training samples (share)');
  const near = figure(get('near_copies.share'), 'near copies (share)');
  const dcr = figure(get('dcr.median_ratio'), 'median distance to training ÷ real held-out');
  const mia = get('mia.auc');
  const miaFig: CardFigure | undefined = mia ? { label: 'membership inference AUC', value: mia.value, floor: mia.floor ?? 0.5, direction: 'lower' } : undefined;
  // A membership attack at chance (AUC 0.5) reveals nothing; its floor is 0.5 whatever the data.
  const miaVerdict: Verdict | undefined = miaFig && numeric(miaFig.value) ? (miaFig.value <= 0.55 ? 'pass' : miaFig.value <= 0.6 ? 'warn' : 'fail') : undefined;
  const eps = get('dp.epsilon');
  const delta = get('dp.delta');
  // ε and δ have no floor: they bound what any attack can learn, shown as they are.
  const dp: CardFigure[] = [];
  if (eps) dp.push({ label: 'differential privacy ε', value: eps.value, floor: null, direction: 'info' });
  if (delta) dp.push({ label: 'differential privacy δ', value: delta.value, floor: null, direction: 'info' });
  const figures = [exact, near, dcr, ...dp];
  const c = card(
    'privacy',
    'Privacy',
    figures,
    {
      pass: 'Synthetic samples are no closer to the training samples than unseen real samples are: no sign of memorisation.',
      warn: 'Synthetic samples sit somewhat closer to the training samples than unseen real ones do: some memorisation.',
      fail: 'Synthetic samples copy or nearly copy training samples far more often than unseen real data does: the generator memorises.',
      none: 'No privacy evaluator ran (add @netsynth/evaluator-privacy).',
    },
    miaVerdict,
  );
  if (miaFig) c.figures.push(miaFig);
  if (eps && numeric(eps.value))
    c.words += ` Trained with differential privacy: ε = ${formatNumber(eps.value)}${delta && numeric(delta.value) ? `, δ = ${formatNumber(delta.value)}` : ''}.`;
  return c;
}

/** The four cards of the report's first section, from every evaluator's metrics. */
export function buildScorecard(results: readonly EvaluationResult[]): ScoreCard[] {
  const all = results.flatMap((r) => r.metrics);
  const get: Lookup = (name) => all.find((m) => m.name === name && m.class === undefined);
  const fidelity = card(
    'fidelity',
    'Fidelity',
    [
      figure(get('fd.all'), 'Fréchet distance'),
      medianOf(all, '.jsd', 'JSD of header fields'),
      medianOf(all, '.emd_norm', 'normalised EMD of sizes and times'),
      figure(get('trace.concurrency.emd'), 'EMD of concurrent flows'),
      figure(get('trace.flow_iat.emd'), 'EMD of flow inter-arrival times'),
    ],
    {
      pass: 'The synthetic traffic is as close to the real holdout as the real training data is.',
      warn: 'The synthetic traffic is noticeably further from the real holdout than real data is.',
      fail: 'The synthetic traffic is far from the real traffic on some measures.',
      none: 'No fidelity metric with a floor (run @netsynth/evaluator-distribution or evaluator-fd with a generator).',
    },
  );
  const utility = card(
    'utility',
    'Utility',
    [
      meanOf(all, /^tstr\.[^.]+\.accuracy$/, 'train synthetic, test real accuracy'),
      meanOf(all, /^trts\.[^.]+\.accuracy$/, 'train real, test synthetic accuracy'),
      figure(get('tstr_over_trtr.accuracy'), 'TSTR ÷ TRTR'),
    ],
    {
      pass: 'Classifiers trained on synthetic traffic do about as well on real traffic as ones trained on real traffic of the same size.',
      warn: 'Classifiers trained on synthetic traffic lose some accuracy on real traffic.',
      fail: 'Classifiers trained on synthetic traffic do much worse on real traffic than ones trained on real traffic.',
      none: 'The downstream evaluator did not run (add @netsynth/evaluator-downstream).',
    },
  );
  const validityMetrics = all.filter(
    (m) =>
      m.class === undefined &&
      (/^ruleset\.[^.]+\.packet_pass$/.test(m.name) || m.name === 'ruleset.all.flow_pass' || m.name === 'netshare.all' || /^tshark\./.test(m.name)) &&
      m.direction !== 'info',
  );
  // Validity's floor is the real traffic's own pass share (real captures break rules too).
  const validity = card(
    'validity',
    'Validity',
    validityMetrics.slice(0, 6).map((m) => ({ label: m.name, value: m.value, floor: m.floor ?? m.real ?? null, direction: m.direction })),
    {
      pass: 'The synthetic packets pass the protocol rules and tshark about as often as the real packets do.',
      warn: 'The synthetic packets break protocol rules somewhat more often than real packets.',
      fail: 'Many synthetic packets are not valid protocol traffic.',
      none: 'The validity evaluator did not run (add @netsynth/evaluator-validity).',
    },
  );
  return [fidelity, utility, validity, privacyCard(get)];
}

const VERDICT_WORD: Record<Verdict, string> = { pass: 'as good as real', warn: 'worse than real', fail: 'fails', none: 'not measured' };

/** The scorecard section: four cards, each with its figures, floors and verdict in words. */
export function renderScorecard(cards: readonly ScoreCard[]): string {
  const body = cards
    .map((c) => {
      const rows = c.figures
        .map((f) => `<tr><td>${esc(f.label)}</td><td class="num">${esc(formatNumber(f.value))}</td><td class="num">${esc(formatNumber(f.floor))}</td></tr>`)
        .join('');
      const table = rows ? `<table><thead><tr><th>figure</th><th>synthetic</th><th>floor (real vs real)</th></tr></thead><tbody>${rows}</tbody></table>` : '';
      return `<article class="card ${c.verdict}" id="card-${c.id}" data-verdict="${c.verdict}"><h3>${esc(c.title)} <span class="badge">${VERDICT_WORD[c.verdict]}</span></h3><p class="verdict">${esc(c.words)}</p>${table}</article>`;
    })
    .join('');
  return `<p class="note">Each figure beside its floor: the same measure for the real training data against the real holdout, at the synthetic set's size. A figure at its floor is as good as real data gets.</p><div class="cards">${body}</div>`;
}
