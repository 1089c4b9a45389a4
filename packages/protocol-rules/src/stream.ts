/**
 * The chain over a capture of any size: packets arrive in batches, are cut into chunks of a
 * fixed packet budget, and each chunk is checked (and repaired) with `checkAll`/`repairAll`
 * as one sample. Only per-rule counts, a few examples and the unrepairable list outlive a
 * chunk, so memory is one chunk, not the capture. A capture within one chunk gives exactly
 * what `checkAll`/`repairAll` give on the whole list.
 *
 * Chunks are contiguous runs of input packets: the output keeps input order, and a
 * flow-regrouping chunker would need a reorder buffer as long as the longest flow (unbounded
 * on long captures, which is the memory this bounds). A flow straddling a boundary is checked
 * as two pieces; the second is judged as a capture that starts mid-flow.
 */
import { InterruptedError, type Constraint, type Packet, type Rng, type Violation } from '@netsynth/core';
import {
  checkAllAsync,
  countByRule,
  repairAllAsync,
  type ChainCheck,
  type ChainRepair,
  type RepairOptions,
  type UnrepairableEntry,
  type UnrepairablePolicy,
} from './chain.js';

/**
 * Default chunk budget. Measured on a 280k-packet capture (`/usr/bin/time -v`, Node 22):
 * check alone peaks at ~620 MB with 65536 packets a chunk, ~280 MB with 16384; check
 * --repair at ~440 MB with 16384, ~320 MB with 8192 (views, drafts and change logs, most of
 * it garbage V8 collects late). 8192 keeps repair well under 512 MB and is still eight
 * windows of the largest sample a run takes (1024 packets).
 */
export const DEFAULT_CHUNK_PACKETS = 8192;

/** Violation counts of one check, per ruleset then per rule (rules sorted by name). */
export interface ViolationCounts {
  total: number;
  byRuleset: Record<string, { total: number; byRule: Record<string, number> }>;
}

export interface StreamRepairOptions extends RepairOptions {
  rng: Rng;
  /** Receives each chunk's repaired packets, in input order, before the next chunk is read. */
  write: (packets: readonly Packet[]) => Promise<void>;
}

export interface StreamChainOptions {
  /** Packets per chunk (default DEFAULT_CHUNK_PACKETS). */
  chunkPackets?: number;
  /** Violations kept as examples per ruleset, from the check before repair (default 5). */
  examples?: number;
  /** Repair each chunk too, and hand it to `write`. */
  repair?: StreamRepairOptions;
  /** Checked between chunks and between the rulesets' passes over a chunk: abort ⇒ InterruptedError. */
  signal?: AbortSignal;
}

export interface StreamRepairSummary {
  /** Packets handed to `write`. */
  packets: number;
  /** The most rounds any chunk needed. */
  rounds: number;
  changes: number;
  changesByRule: Record<string, number>;
  after: ViolationCounts;
  /** Indices are the packets' indices in the whole input. */
  unrepairable: UnrepairableEntry[];
  policy: UnrepairablePolicy;
}

export interface StreamChainSummary {
  packets: number;
  /** Chunks the input was cut into (at least 1, an empty input being one empty chunk). */
  chunks: number;
  chunkPackets: number;
  before: ViolationCounts;
  /** Up to `examples` violations per ruleset; `packetIndex` is the index in the whole input. */
  examples: Violation[];
  repair?: StreamRepairSummary;
}

/** Re-cuts batches of any size into chunks of exactly `budget` packets (the last may be shorter; at least one chunk). */
export async function* packetChunks(batches: AsyncIterable<readonly Packet[]>, budget: number): AsyncGenerator<Packet[]> {
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`chunk budget must be a positive integer, got ${budget}`);
  let chunk: Packet[] = [];
  let yielded = false;
  for await (const batch of batches) {
    for (const p of batch) {
      chunk.push(p);
      if (chunk.length === budget) {
        yield chunk;
        yielded = true;
        chunk = [];
      }
    }
  }
  if (chunk.length > 0 || !yielded) yield chunk;
}

/** Sums `ViolationCounts` chunk by chunk; rulesets keep the order they first appear in. */
class CountsSum {
  private total = 0;
  private readonly byRuleset = new Map<string, { total: number; byRule: Map<string, number> }>();

  add(check: ChainCheck): void {
    this.total += check.total;
    for (const [name, violations] of Object.entries(check.byRuleset)) {
      let r = this.byRuleset.get(name);
      if (!r) this.byRuleset.set(name, (r = { total: 0, byRule: new Map() }));
      r.total += violations.length;
      for (const [rule, n] of Object.entries(countByRule(violations))) r.byRule.set(rule, (r.byRule.get(rule) ?? 0) + n);
    }
  }

  result(): ViolationCounts {
    const byRuleset: ViolationCounts['byRuleset'] = {};
    for (const [name, r] of this.byRuleset) byRuleset[name] = { total: r.total, byRule: sortedRecord(r.byRule) };
    return { total: this.total, byRuleset };
  }
}

function sortedRecord(m: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What outlives the chunks of a repair. */
class RepairSum {
  packets = 0;
  rounds = 0;
  changes = 0;
  readonly changesByRule = new Map<string, number>();
  readonly after = new CountsSum();
  readonly unrepairable: UnrepairableEntry[] = [];

  add(result: ChainRepair, offset: number): void {
    this.packets += result.packets.length;
    this.rounds = Math.max(this.rounds, result.rounds);
    this.changes += result.changes.length;
    // Insertion order of first appearance, as a plain tally over one change list gives.
    for (const c of result.changes) this.changesByRule.set(c.rule, (this.changesByRule.get(c.rule) ?? 0) + 1);
    this.after.add(result.remaining);
    for (const u of result.unrepairable) this.unrepairable.push({ ...u, index: u.index + offset });
  }

  result(policy: UnrepairablePolicy): StreamRepairSummary {
    const { packets, rounds, changes, unrepairable } = this;
    return { packets, rounds, changes, changesByRule: Object.fromEntries(this.changesByRule), after: this.after.result(), unrepairable, policy };
  }
}

/**
 * Checks (and with `repair`, repairs and writes) a stream of packet batches chunk by chunk;
 * see the module comment for what a chunk boundary means. Deterministic: the same input,
 * budget and rng seed give the same output and summary.
 */
export async function checkStream(
  rulesets: readonly Constraint[],
  batches: AsyncIterable<readonly Packet[]>,
  options: StreamChainOptions = {},
): Promise<StreamChainSummary> {
  const chunkPackets = options.chunkPackets ?? DEFAULT_CHUNK_PACKETS;
  const perRuleset = options.examples ?? 5;
  const before = new CountsSum();
  const examples = new Map<string, Violation[]>(rulesets.map((r) => [r.name, []]));
  const repair = options.repair;
  const repaired = new RepairSum();
  let offset = 0;
  let chunks = 0;
  for await (const chunk of packetChunks(batches, chunkPackets)) {
    if (options.signal?.aborted) throw new InterruptedError('check interrupted');
    const check = await checkAllAsync(rulesets, chunk, options.signal);
    before.add(check);
    for (const [name, violations] of Object.entries(check.byRuleset)) {
      const kept = examples.get(name) ?? [];
      for (const v of violations.slice(0, Math.max(0, perRuleset - kept.length))) kept.push({ ...v, packetIndex: v.packetIndex + offset });
      examples.set(name, kept);
    }
    if (repair) {
      const result = await repairAllAsync(rulesets, chunk, repair.rng, { ...repair, signal: options.signal });
      repaired.add(result, offset);
      await repair.write(result.packets);
    }
    offset += chunk.length;
    chunks++;
  }
  const summary: StreamChainSummary = { packets: offset, chunks, chunkPackets, before: before.result(), examples: [...examples.values()].flat() };
  if (repair) summary.repair = repaired.result(repair.unrepairable ?? 'drop');
  return summary;
}
