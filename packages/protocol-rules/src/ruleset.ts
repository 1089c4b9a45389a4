/**
 * The packet-scope ruleset engine shared by the IPv4, TCP, UDP and ICMP plugins. A ruleset is
 * an ordered list of rules; each rule says whether it applies to a packet, what is wrong with
 * it (findings: field + message) and how to fix that with the fewest field changes.
 *
 * `repair` runs the rules in order on a draft of each faulty packet, re-dissecting after every
 * rule (a fixed IHL moves the transport header), then brings checksums in line, and repeats
 * until the packet passes — at most `maxPasses` times. A packet that passes is returned as the
 * very same object, so repairing a valid sample changes nothing (repair is idempotent). A
 * packet still failing after the last pass is returned unchanged and listed as unrepairable.
 */
import { isNetsynthError, type Constraint, type Flow, type Packet, type RepairResult, type Rng, type UnrepairablePacket, type Violation } from '@netsynth/core';
import { PacketDraft, type RepairLog } from './draft.js';
import { viewsOf, type PacketView } from './view.js';

export interface Finding {
  field: string;
  message: string;
}

export interface PacketRule<C> {
  /** Rule id reported in violations, e.g. "ipv4.ttl". */
  readonly name: string;
  readonly description: string;
  applies(view: PacketView, ctx: C): boolean;
  check(view: PacketView, ctx: C): Finding[];
  /** Fixes what `check` found, editing the draft. Rules without a repair cannot be fixed. */
  repair?(draft: PacketDraft, findings: readonly Finding[], ctx: C): void;
}

export interface PacketRulesetSpec<C> {
  /** Ruleset name, e.g. "ipv4" (also the prefix of its rule names). */
  name: string;
  rules: readonly PacketRule<C>[];
  /** Sample-level context (options, learned values, who talks to whom in the sample). */
  context(views: readonly PacketView[], rng: Rng | undefined): C;
  learn?(flows: readonly Flow[]): void;
  /**
   * Called with each packet once it is final (as checked, or as repaired), in order: rules
   * that compare a packet with earlier ones (an echo reply with its request) keep their
   * running state in the context, and during repair they see the repaired predecessors.
   */
  observe?(ctx: C, view: PacketView): void;
  /** Passes of the rule list over one packet before giving up. */
  maxPasses?: number;
}

export class PacketRuleset<C> implements Constraint {
  readonly scope = 'packet' as const;
  readonly name: string;

  constructor(private readonly spec: PacketRulesetSpec<C>) {
    this.name = spec.name;
  }

  get rules(): readonly PacketRule<C>[] {
    return this.spec.rules;
  }

  learn(samples: readonly Flow[]): void {
    this.spec.learn?.(samples);
  }

  check(packets: readonly Packet[]): Violation[] {
    const views = viewsOf(packets);
    const ctx = this.spec.context(views, undefined);
    const out: Violation[] = [];
    for (const view of views) {
      out.push(...this.checkView(view, ctx));
      this.spec.observe?.(ctx, view);
    }
    return out;
  }

  private checkView(view: PacketView, ctx: C): Violation[] {
    const out: Violation[] = [];
    for (const rule of this.spec.rules) {
      if (!rule.applies(view, ctx)) continue;
      for (const f of rule.check(view, ctx)) out.push({ rule: rule.name, field: f.field, packetIndex: view.index, message: f.message });
    }
    return out;
  }

  repair(packets: readonly Packet[], rng: Rng): RepairResult {
    const views = viewsOf(packets);
    const ctx = this.spec.context(views, rng);
    const changes: RepairLog = [];
    const unrepairable: UnrepairablePacket[] = [];
    const out: Packet[] = [];
    for (const view of views) {
      if (this.checkView(view, ctx).length === 0) {
        out.push(view.packet);
        this.spec.observe?.(ctx, view);
        continue;
      }
      const log: RepairLog = [];
      const outcome = this.repairOne(view, ctx, log);
      if ('failed' in outcome) {
        // Degrade per packet: this one stays as it was, the rest of the sample is repaired.
        unrepairable.push({ packetIndex: view.index, ...outcome.failed });
        out.push(view.packet);
        this.spec.observe?.(ctx, view);
        continue;
      }
      changes.push(...log);
      out.push(outcome.draft.toPacket());
      this.spec.observe?.(ctx, outcome.draft.view);
    }
    return unrepairable.length > 0 ? { packets: out, changes, unrepairable } : { packets: out, changes };
  }

  private repairOne(view: PacketView, ctx: C, log: RepairLog): { draft: PacketDraft } | { failed: { rule: string; reason: string } } {
    const draft = new PacketDraft(view.packet, view.index, log);
    const passes = this.spec.maxPasses ?? 4;
    for (let pass = 0; pass < passes; pass++) {
      let found = false;
      for (const rule of this.spec.rules) {
        const v = draft.view;
        if (!rule.applies(v, ctx)) continue;
        const findings = rule.check(v, ctx);
        if (findings.length === 0) continue;
        found = true;
        if (!rule.repair) continue;
        const failure = attempt(() => rule.repair?.(draft, findings, ctx));
        if (failure !== undefined) return { failed: { rule: rule.name, reason: `repair failed: ${failure}` } };
      }
      const failure = attempt(() => draft.finalizeChecksums(this.name));
      if (failure !== undefined) return { failed: { rule: this.name, reason: `checksum update failed: ${failure}` } };
      if (!found) break;
    }
    const left = this.checkView(draft.view, ctx);
    const first = left[0];
    if (first) {
      const more = left.length > 1 ? ` (and ${left.length - 1} more)` : '';
      return { failed: { rule: first.rule, reason: `${first.field}: ${first.message}${more}` } };
    }
    return { draft };
  }
}

/**
 * Runs one repair step; a rule that trips over bytes it did not expect (a bounds error on a
 * hostile packet) costs that packet, not the capture. Returns the failure's message.
 */
function attempt(step: () => unknown): string | undefined {
  try {
    step();
    return undefined;
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError || isNetsynthError(e)) return e.message;
    throw e;
  }
}
