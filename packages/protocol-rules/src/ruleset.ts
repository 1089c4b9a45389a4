/**
 * The packet-scope ruleset engine shared by the IPv4, TCP, UDP and ICMP plugins. A ruleset is
 * an ordered list of rules; each rule says whether it applies to a packet, what is wrong with
 * it (findings: field + message) and how to fix that with the fewest field changes.
 *
 * `repair` runs the rules in order on a draft of each faulty packet, re-dissecting after every
 * rule (a fixed IHL moves the transport header), then brings checksums in line, and repeats
 * until the packet passes — at most `maxPasses` times. A packet that passes is returned as the
 * very same object, so repairing a valid sample changes nothing (repair is idempotent).
 */
import { EngineError, type Constraint, type Flow, type Packet, type RepairResult, type Rng, type Violation } from '@netsynth/core';
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
    const out: Packet[] = [];
    for (const view of views) {
      if (this.checkView(view, ctx).length === 0) {
        out.push(view.packet);
        this.spec.observe?.(ctx, view);
        continue;
      }
      const draft = this.repairOne(view, ctx, changes);
      out.push(draft.toPacket());
      this.spec.observe?.(ctx, draft.view);
    }
    return { packets: out, changes };
  }

  private repairOne(view: PacketView, ctx: C, log: RepairLog): PacketDraft {
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
        rule.repair(draft, findings, ctx);
      }
      draft.finalizeChecksums(this.name);
      if (!found) break;
    }
    const left = this.checkView(draft.view, ctx);
    if (left.length > 0) {
      const first = left[0];
      throw new EngineError(
        `ruleset ${this.name}: repair of packet ${view.index} left ${left.length} violation(s), first ${first?.rule} (${first?.field}): ${first?.message}`,
      );
    }
    return draft;
  }
}
