import type { Constraint, Flow, Packet, RepairChange, RepairResult, Rng, UnrepairablePacket, Violation } from '@netsynth/core';
import { TrafficProfile, ValueSource } from '@netsynth/protocol-rules';
import { isoToNs, type FlowContext } from './context.js';
import { flowOptionsSchema, type FlowRulesetOptions, type FlowRulesetOptionsInput } from './options.js';
import { checkIpIds } from './rules/ip-id.js';
import { checkTcp } from './rules/tcp-state.js';
import { checkTiming } from './rules/timing.js';
import { checkTuples } from './rules/tuple.js';
import { checkTtl } from './rules/ttl.js';
import { SampleWalk } from './walk.js';

/** Rule names this ruleset reports. */
export const FLOW_RULES: readonly string[] = [
  'flow.tuple',
  'flow.tcp.handshake',
  'flow.tcp.seq',
  'flow.tcp.ack',
  'flow.tcp.close',
  'flow.tcp.ecn',
  'flow.tcp.sack',
  'flow.ipv4.id',
  'flow.ip.ttl',
  'flow.timestamp',
  'flow.iat',
];

const MAX_ROUNDS = 4;

/**
 * Inter-packet rules over a sample (one flow, a window of one, or a whole capture: packets are
 * grouped into sub-flows by 5-tuple, so a sample mixing DNS and TCP is checked per sub-flow).
 * Order = repair order: tuples first (they decide the sub-flows), TCP state next, then IPv4
 * identification, timing last (it moves no bytes). Edited packets get their checksums
 * recomputed (or updated incrementally when the snap length cut them) at the end of a round.
 */
export class FlowRuleset implements Constraint {
  readonly name = 'flow';
  readonly scope = 'flow' as const;
  readonly values: ValueSource;
  readonly options: FlowRulesetOptions;
  private readonly ctx: FlowContext;

  constructor(options: FlowRulesetOptionsInput = {}, profile: TrafficProfile = new TrafficProfile()) {
    this.options = flowOptionsSchema.parse(options);
    this.values = new ValueSource(profile);
    this.ctx = {
      options: this.options,
      values: this.values,
      earliestNs: isoToNs(this.options.earliestTimestamp),
      repairStartNs: isoToNs(this.options.repairStartTime),
    };
  }

  learn(samples: readonly Flow[]): void {
    this.values.learn(samples);
  }

  private run(walk: SampleWalk): void {
    checkTuples(walk);
    checkTcp(walk, this.ctx);
    checkIpIds(walk);
    checkTtl(walk, this.ctx);
    checkTiming(walk, this.ctx);
  }

  check(packets: readonly Packet[]): Violation[] {
    const walk = new SampleWalk(packets, undefined);
    this.run(walk);
    return walk.violations.sort((a, b) => a.packetIndex - b.packetIndex);
  }

  repair(packets: readonly Packet[], rng: Rng): RepairResult {
    let current: Packet[] = [...packets];
    const changes: RepairChange[] = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (this.check(current).length === 0) return { packets: current, changes };
      const walk = new SampleWalk(current, rng.fork(`flow#${round}`));
      this.run(walk);
      current = walk.finish('flow');
      changes.push(...walk.changes);
    }
    // What is still wrong is listed per packet; the caller drops or keeps those packets.
    const left = this.check(current);
    if (left.length === 0) return { packets: current, changes };
    const seen = new Set<number>();
    const unrepairable: UnrepairablePacket[] = [];
    for (const v of left) {
      if (seen.has(v.packetIndex)) continue;
      seen.add(v.packetIndex);
      unrepairable.push({ packetIndex: v.packetIndex, rule: v.rule, reason: `${v.field}: ${v.message}` });
    }
    return { packets: current, changes, unrepairable };
  }
}

export function createFlowRuleset(options: FlowRulesetOptionsInput = {}, profile?: TrafficProfile): FlowRuleset {
  return new FlowRuleset(options, profile);
}
