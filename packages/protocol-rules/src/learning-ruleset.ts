/**
 * The packet ruleset every protocol plugin builds the same way: options parsed by the plugin,
 * a value source learned from the training flows, and a per-sample context built from both.
 * One class, so the protocols differ only in their rules and their context.
 */
import type { Flow, Rng } from '@netsynth/core';
import { TrafficProfile, ValueSource } from './profile.js';
import { PacketRuleset, type PacketRule } from './ruleset.js';
import type { PacketView } from './view.js';

export interface LearningRulesetSpec<C, O> {
  /** Ruleset name, e.g. "udp" (also the prefix of its rule names). */
  name: string;
  /** In repair order. */
  rules: readonly PacketRule<C>[];
  /** The options, already parsed and defaulted by the plugin's schema. */
  options: O;
  /** The prior the learned values start from. */
  profile?: TrafficProfile | undefined;
  /** Sample-level context from the sample's packets, the options and the learned values. */
  context(views: readonly PacketView[], options: O, values: ValueSource, rng: Rng | undefined): C;
  /** See {@link PacketRulesetSpec.observe}. */
  observe?(ctx: C, view: PacketView): void;
}

export class LearningRuleset<C, O> extends PacketRuleset<C> {
  /** What `learn` has seen (ports, TTLs, timings…), used by the repairs. */
  readonly values: ValueSource;
  readonly options: O;

  constructor(spec: LearningRulesetSpec<C, O>) {
    const values = new ValueSource(spec.profile ?? new TrafficProfile());
    super({
      name: spec.name,
      rules: spec.rules,
      context: (views, rng) => spec.context(views, spec.options, values, rng),
      ...(spec.observe ? { observe: spec.observe } : {}),
      learn: (flows: readonly Flow[]) => values.learn(flows),
    });
    this.values = values;
    this.options = spec.options;
  }
}
