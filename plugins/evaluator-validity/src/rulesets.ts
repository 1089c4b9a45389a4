import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Constraint, LabelledSample, Packet, PluginContext, Rng, Violation } from '@netsynth/core';
import { PluginLoadError, isNetsynthError, parsePluginOptions, pluginsFromModule } from '@netsynth/core';

/** A ruleset named in the options: a short name ("tcp"), a package name, or a local path. */
export type RulesetRef = string | { plugin: string; options?: Record<string, unknown> };

export const DEFAULT_RULESETS: readonly string[] = ['ipv4', 'tcp', 'udp', 'icmp', 'flow'];

/** "tcp" → "@netsynth/ruleset-tcp"; package names and paths stay as they are. */
export function rulesetSpecifier(name: string): string {
  if (name.startsWith('@') || name.startsWith('.') || isAbsolute(name) || name.includes('/')) return name;
  return `@netsynth/ruleset-${name}`;
}

async function importModule(specifier: string, baseDir: string): Promise<Record<string, unknown>> {
  const target = specifier.startsWith('.') || isAbsolute(specifier) ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
  return (await import(target)) as Record<string, unknown>;
}

/** "@netsynth/ruleset-tcp" → "tcp" for metric names; other names stay whole. */
export function shortRulesetName(name: string): string {
  return name.replace(/^@netsynth\/ruleset-/, '');
}

export interface LoadedRuleset {
  name: string;
  constraint: Constraint;
}

/**
 * Loads each ruleset plugin and makes its Constraint. A ruleset the user listed that cannot be
 * loaded is a PluginLoadError; with `optional` (the defaults) it is skipped with a warning,
 * so the evaluator still works in an install that lacks one of them.
 */
export async function loadRulesets(
  refs: readonly RulesetRef[],
  ctx: PluginContext,
  optional: boolean,
  configPath = 'options.rulesets',
): Promise<LoadedRuleset[]> {
  const out: LoadedRuleset[] = [];
  for (const [i, ref] of refs.entries()) {
    const name = typeof ref === 'string' ? ref : ref.plugin;
    const specifier = rulesetSpecifier(name);
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(specifier, ctx.baseDir);
    } catch (e) {
      if (optional) {
        ctx.progress.warn(`validity: ruleset ${specifier} is not installed; skipped`);
        continue;
      }
      throw new PluginLoadError(specifier, `cannot be imported: ${(e as Error).message}`, { configPath: `${configPath}.${i}`, cause: e });
    }
    for (const def of pluginsFromModule(mod, specifier)) {
      if (def.kind !== 'constraint') continue;
      const options = parsePluginOptions(def, typeof ref === 'string' ? {} : (ref.options ?? {}), `${configPath}.${i}.options`);
      try {
        out.push({ name: shortRulesetName(def.name), constraint: (await def.create(options as never, ctx)) as Constraint });
      } catch (e) {
        if (isNetsynthError(e)) throw e;
        throw new PluginLoadError(def.name, `failed to start: ${(e as Error).message}`, { configPath: `${configPath}.${i}`, cause: e });
      }
    }
  }
  return out;
}

/** Pass counts of one set of samples against one or more rulesets. */
export interface PassCounts {
  packets: number;
  packetsPassing: number;
  flows: number;
  flowsPassing: number;
  /** Violations by field name, for the report. */
  byField: Map<string, number>;
}

function countViolations(packetsPerSample: Iterable<readonly Packet[]>, constraints: readonly Constraint[]): PassCounts {
  const counts: PassCounts = { packets: 0, packetsPassing: 0, flows: 0, flowsPassing: 0, byField: new Map() };
  for (const packets of packetsPerSample) {
    const violations: Violation[] = constraints.flatMap((c) => c.check(packets));
    const bad = new Set<number>();
    for (const v of violations) {
      // A flow-scope violation with no packet index outside the sample blames the whole flow.
      if (v.packetIndex >= 0 && v.packetIndex < packets.length) bad.add(v.packetIndex);
      counts.byField.set(v.field, (counts.byField.get(v.field) ?? 0) + 1);
    }
    counts.packets += packets.length;
    counts.packetsPassing += packets.length - bad.size;
    counts.flows++;
    if (violations.length === 0) counts.flowsPassing++;
  }
  return counts;
}

/**
 * `items.map(f)` one at a time, in order: a repaired sample is counted and dropped before the
 * next is made, so repair holds one sample's copy, not a copy of every synthetic packet.
 */
function* mapLazily<T, U>(items: readonly T[], f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

export interface RulesetOutcome {
  name: string;
  real: PassCounts;
  synthetic: PassCounts;
  /** Synthetic samples after this ruleset's own repair (null when repair is off). */
  repaired: PassCounts | null;
}

/**
 * Each ruleset alone (before and after its own repair), then all of them together, where
 * "after repair" applies every ruleset's repair in the listed order and checks all of them.
 */
export function evaluateRulesets(
  rulesets: readonly LoadedRuleset[],
  real: readonly LabelledSample[],
  synthetic: readonly LabelledSample[],
  rng: Rng,
  repair: boolean,
): RulesetOutcome[] {
  const realPackets = real.map((s) => s.flow.packets);
  const synPackets = synthetic.map((s) => s.flow.packets);
  const outcomes: RulesetOutcome[] = rulesets.map(({ name, constraint }) => {
    const repairRng = rng.fork(`repair:${name}`);
    return {
      name,
      real: countViolations(realPackets, [constraint]),
      synthetic: countViolations(synPackets, [constraint]),
      repaired: repair
        ? countViolations(
            mapLazily(synPackets, (p) => constraint.repair(p, repairRng).packets),
            [constraint],
          )
        : null,
    };
  });
  if (rulesets.length > 1) {
    const all = rulesets.map((r) => r.constraint);
    const repairRng = rng.fork('repair:all');
    outcomes.push({
      name: 'all',
      real: countViolations(realPackets, all),
      synthetic: countViolations(synPackets, all),
      repaired: repair
        ? countViolations(
            mapLazily(synPackets, (p) => all.reduce<Packet[]>((pk, c) => c.repair(pk, repairRng).packets, [...p])),
            all,
          )
        : null,
    });
  }
  return outcomes;
}
