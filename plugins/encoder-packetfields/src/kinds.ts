/**
 * Knots per kind of flow within a label, learned in fit: a label whose flows used more than one
 * protocol gets knots per protocol (a class of UDP streams with their TCP control connections
 * keeps each kind's sizes and gaps apart), and every label gets the packet-count knots of each
 * of its protocols (a class whose windows are nearly all full decodes full windows, one of
 * single query/answer pairs decodes pairs). Nothing here names a protocol: the kinds are the
 * protocols the label's training flows used.
 */
import type { SampleRows } from './rows.js';
import { learnFlowKnots, learnKnots, SCALED_FIELDS, type DirectionKnots, type FlowKnots } from './scaling.js';

export interface KindKnots {
  protocols: Record<string, Record<string, DirectionKnots>>;
  flows: Record<string, Record<string, FlowKnots>>;
}

export function buildKindKnots(byLabel: ReadonlyMap<string, readonly SampleRows[]>, positions: number): KindKnots {
  const protocols: KindKnots['protocols'] = {};
  const flows: KindKnots['flows'] = {};
  for (const [label, samples] of byLabel) {
    const byProtocol = new Map<number, SampleRows[]>();
    for (const s of samples) {
      const mine = byProtocol.get(s.flow.protocol) ?? [];
      mine.push(s);
      byProtocol.set(s.flow.protocol, mine);
    }
    flows[label] = {};
    for (const [p, mine] of byProtocol) {
      const k = learnFlowKnots(mine, positions);
      if (k) flows[label][String(p)] = k;
    }
    if (byProtocol.size > 1) protocols[label] = Object.fromEntries([...byProtocol].map(([p, mine]) => [String(p), learnKnots(mine)]));
  }
  return { protocols, flows };
}

/** A kind's knots with the label's filling the fields and directions the kind never saw. */
export function withFallback(kind: DirectionKnots | undefined, label: DirectionKnots | undefined): DirectionKnots | undefined {
  if (!kind || !label) return kind ?? label;
  return Object.fromEntries(SCALED_FIELDS.map((f) => [f, [kind[f][0] ?? label[f][0], kind[f][1] ?? label[f][1]]])) as unknown as DirectionKnots;
}
