/**
 * Running several rulesets over one sample. Order matters for repairs: ipv4 → tcp → udp →
 * icmp → flow (addresses and lengths first, transport fields next, sequence/timing last); each
 * ruleset recomputes the checksums its own edits invalidate. The chain repeats the whole order
 * until every ruleset's check passes (a later repair may, in rare cases, disturb an earlier
 * ruleset's fields), at most `maxRounds` times. Packets still invalid then are dropped or
 * kept unchanged (`RepairOptions.unrepairable`) and listed.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { InterruptedError, type Constraint, type Packet, type RepairChange, type Rng, type Violation } from '@netsynth/core';

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

/**
 * The chain's work as steps: the generators below yield after each ruleset's pass over the
 * sample (one check or one repair of every packet). `checkAll`/`repairAll` run the steps
 * back to back; the async forms give the event loop a turn between them, so a Ctrl-C (whose
 * handler only runs when the loop is free) is seen after at most one pass, not one chunk.
 */
type Steps<T> = Generator<void, T, void>;

function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

async function runStepsAsync<T>(steps: Steps<T>, signal: AbortSignal | undefined): Promise<T> {
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    await nextTurn();
    if (signal?.aborted) throw new InterruptedError('check interrupted');
  }
}

function* checkSteps(rulesets: readonly Constraint[], packets: readonly Packet[]): Steps<ChainCheck> {
  const byRuleset: Record<string, Violation[]> = {};
  let total = 0;
  for (const r of rulesets) {
    const v = r.check(packets);
    byRuleset[r.name] = v;
    total += v.length;
    yield;
  }
  return { byRuleset, total };
}

export function checkAll(rulesets: readonly Constraint[], packets: readonly Packet[]): ChainCheck {
  return runSteps(checkSteps(rulesets, packets));
}

/** `checkAll`, stopping with InterruptedError between two rulesets once `signal` is aborted. */
export function checkAllAsync(rulesets: readonly Constraint[], packets: readonly Packet[], signal?: AbortSignal): Promise<ChainCheck> {
  return runStepsAsync(checkSteps(rulesets, packets), signal);
}

/** What to do with a packet no ruleset can make valid. */
export type UnrepairablePolicy = 'drop' | 'keep';

export interface RepairOptions {
  /** Rounds of the whole ruleset order per attempt (default 3). */
  maxRounds?: number;
  /** 'drop' (default) leaves it out of the output; 'keep' writes it unchanged. */
  unrepairable?: UnrepairablePolicy;
}

/** A packet the chain gave up on; `index` is its position in the input. */
export interface UnrepairableEntry {
  index: number;
  ruleset: string;
  rule: string;
  reason: string;
}

export interface ChainRepair {
  packets: Packet[];
  /** Every change, tagged with the ruleset and round; `packetIndex` is the packet's index in the input. */
  changes: (RepairChange & { ruleset: string; round: number })[];
  rounds: number;
  /** Violations left in `packets` after the last round (empty when the repair succeeded). */
  remaining: ChainCheck;
  /** Packets that could not be made valid, in input order: dropped or kept unchanged per the policy. */
  unrepairable: UnrepairableEntry[];
  policy: UnrepairablePolicy;
}

/** Repair attempts: after dropping packets, the rest is repaired again (a gap can disturb a flow). */
const MAX_ATTEMPTS = 3;

/**
 * Repairs a sample with every ruleset, in order, round after round. A packet that stays
 * invalid costs only itself: it is dropped (the rest is repaired again, since a missing packet
 * can disturb its flow) or kept as it was in the input, and listed with its input index and
 * the reason. Never throws for a packet it cannot fix.
 */
export function repairAll(rulesets: readonly Constraint[], packets: readonly Packet[], rng: Rng, options: RepairOptions = {}): ChainRepair {
  return runSteps(repairSteps(rulesets, packets, rng, options));
}

/** `repairAll`, stopping with InterruptedError between two ruleset passes once `signal` is aborted. */
export function repairAllAsync(
  rulesets: readonly Constraint[],
  packets: readonly Packet[],
  rng: Rng,
  options: RepairOptions & { signal?: AbortSignal } = {},
): Promise<ChainRepair> {
  return runStepsAsync(repairSteps(rulesets, packets, rng, options), options.signal);
}

function* repairSteps(rulesets: readonly Constraint[], packets: readonly Packet[], rng: Rng, options: RepairOptions): Steps<ChainRepair> {
  const ordered = sortRulesets(rulesets);
  const maxRounds = options.maxRounds ?? 3;
  const policy = options.unrepairable ?? 'drop';
  const state: ChainState = { current: [...packets], origin: packets.map((_, i) => i), changes: [], failures: new Map(), rounds: 0 };
  const unrepairable: UnrepairableEntry[] = [];
  let remaining = yield* checkSteps(ordered, state.current);
  for (let attempt = 0; attempt < MAX_ATTEMPTS && remaining.total > 0; attempt++) {
    remaining = yield* runRounds(ordered, state, rng, maxRounds, remaining);
    const bad = badPackets(remaining, state);
    if (bad.size === 0) break;
    for (const [i, entry] of bad) unrepairable.push({ ...entry, index: state.origin[i] ?? i });
    settle(state, new Set(bad.keys()), packets, policy);
    remaining = yield* checkSteps(ordered, state.current);
    if (policy === 'keep') break;
  }
  unrepairable.sort((a, b) => a.index - b.index);
  return { packets: state.current, changes: state.changes, rounds: state.rounds, remaining, unrepairable, policy };
}

interface ChainState {
  current: Packet[];
  /** Input index of each packet in `current`. */
  origin: number[];
  changes: ChainRepair['changes'];
  /** Why a ruleset gave up on a packet, by input index (the first reason wins). */
  failures: Map<number, { ruleset: string; rule: string; reason: string }>;
  rounds: number;
}

function* runRounds(ordered: readonly Constraint[], state: ChainState, rng: Rng, maxRounds: number, start: ChainCheck): Steps<ChainCheck> {
  let remaining = start;
  for (let round = 0; remaining.total > 0 && round < maxRounds; round++) {
    state.rounds++;
    for (const r of ordered) {
      const result = r.repair(state.current, rng.fork(`${r.name}#${state.rounds}`));
      // The contract keeps one output per input packet; a ruleset that breaks it loses the index map.
      if (result.packets.length !== state.current.length) state.origin = result.packets.map((_, i) => i);
      state.current = result.packets;
      const at = (i: number): number => state.origin[i] ?? i;
      for (const c of result.changes) state.changes.push({ ...c, packetIndex: at(c.packetIndex), ruleset: r.name, round: state.rounds });
      for (const u of result.unrepairable ?? []) {
        if (!state.failures.has(at(u.packetIndex))) state.failures.set(at(u.packetIndex), { ruleset: r.name, rule: u.rule, reason: u.reason });
      }
      yield;
    }
    remaining = yield* checkSteps(ordered, state.current);
  }
  return remaining;
}

/** Packets (indices into `current`) with a violation left, each with the reason to report. */
function badPackets(remaining: ChainCheck, state: ChainState): Map<number, Omit<UnrepairableEntry, 'index'>> {
  const bad = new Map<number, Omit<UnrepairableEntry, 'index'>>();
  for (const [ruleset, violations] of Object.entries(remaining.byRuleset)) {
    for (const v of violations) {
      if (bad.has(v.packetIndex)) continue;
      const failure = state.failures.get(state.origin[v.packetIndex] ?? v.packetIndex);
      bad.set(v.packetIndex, failure ?? { ruleset, rule: v.rule, reason: `${v.field}: ${v.message}` });
    }
  }
  return bad;
}

/** Drops the bad packets, or puts their input bytes back; their logged edits no longer apply. */
function settle(state: ChainState, bad: ReadonlySet<number>, input: readonly Packet[], policy: UnrepairablePolicy): void {
  const gone = new Set([...bad].map((i) => state.origin[i] ?? i));
  state.changes = state.changes.filter((c) => !gone.has(c.packetIndex));
  if (policy === 'keep') {
    state.current = state.current.map((p, i) => (bad.has(i) ? (input[state.origin[i] ?? i] ?? p) : p));
    return;
  }
  state.current = state.current.filter((_, i) => !bad.has(i));
  state.origin = state.origin.filter((_, i) => !bad.has(i));
}

/** Violation counts by rule name, sorted by name. */
export function countByRule(violations: readonly Violation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of violations) counts[v.rule] = (counts[v.rule] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
