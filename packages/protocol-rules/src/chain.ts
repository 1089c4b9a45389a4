/**
 * Running several rulesets over one sample. Order matters for repairs: ipv4 → tcp → udp →
 * icmp → flow (addresses and lengths first, transport fields next, sequence/timing last); each
 * ruleset recomputes the checksums its own edits invalidate. The chain repeats the whole order
 * until every ruleset's check passes (a later repair may, in rare cases, disturb an earlier
 * ruleset's fields), at most `maxRounds` times.
 */
import type { Constraint, Packet, RepairChange, Rng, Violation } from '@netsynth/core';

/** The order repairs are applied in; `sortRulesets` puts known names in it. */
export const RULESET_ORDER: readonly string[] = ['ipv4', 'tcp', 'udp', 'icmp', 'flow'];

export function sortRulesets<T extends { name: string }>(rulesets: readonly T[]): T[] {
  const rank = (n: string): number => {
    const i = RULESET_ORDER.indexOf(n);
    return i < 0 ? RULESET_ORDER.length : i;
  };
  return [...rulesets].sort((a, b) => rank(a.name) - rank(b.name));
}

export interface ChainCheck {
  /** Violations per ruleset name. */
  byRuleset: Record<string, Violation[]>;
  total: number;
}

export function checkAll(rulesets: readonly Constraint[], packets: readonly Packet[]): ChainCheck {
  const byRuleset: Record<string, Violation[]> = {};
  let total = 0;
  for (const r of rulesets) {
    const v = r.check(packets);
    byRuleset[r.name] = v;
    total += v.length;
  }
  return { byRuleset, total };
}

export interface ChainRepair {
  packets: Packet[];
  /** Every change, tagged with the ruleset and round that made it. */
  changes: (RepairChange & { ruleset: string; round: number })[];
  rounds: number;
  /** Violations left after the last round (empty when the repair succeeded). */
  remaining: ChainCheck;
}

export function repairAll(rulesets: readonly Constraint[], packets: readonly Packet[], rng: Rng, maxRounds = 3): ChainRepair {
  const ordered = sortRulesets(rulesets);
  let current: Packet[] = [...packets];
  const changes: ChainRepair['changes'] = [];
  let rounds = 0;
  let remaining = checkAll(ordered, current);
  while (remaining.total > 0 && rounds < maxRounds) {
    rounds++;
    for (const r of ordered) {
      const result = r.repair(current, rng.fork(`${r.name}#${rounds}`));
      current = result.packets;
      for (const c of result.changes) changes.push({ ...c, ruleset: r.name, round: rounds });
    }
    remaining = checkAll(ordered, current);
  }
  return { packets: current, changes, rounds, remaining };
}

/** Violation counts by rule name, sorted by name. */
export function countByRule(violations: readonly Violation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of violations) counts[v.rule] = (counts[v.rule] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
