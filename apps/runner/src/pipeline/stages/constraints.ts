import { writeFileAtomic, type Constraint, type Packet, type RepairChange, type Rng, type Violation } from '@netsynth/core';
import { toJson } from '../../json.js';
import { OUT } from '../paths.js';
import { writeSampleStore, type StoredSample } from '../sample-store.js';
import type { Stage } from '../stage.js';
import type { RunState } from '../state.js';
import { pluginIdentity } from './common.js';
import { IngestKey, RepairedKey } from '../artifacts.js';

interface ConstraintCounts {
  total: number;
  /** Samples with at least one violation. */
  samples: number;
  byRule: Record<string, number>;
  byField: Record<string, number>;
}

interface Active {
  name: string;
  instance: Constraint;
  rng: Rng;
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

function countViolations(state: RunState, active: readonly Active[], samples: readonly StoredSample[], what: string): Record<string, ConstraintCounts> {
  const out: Record<string, ConstraintCounts> = {};
  const task = state.progress.start(`check ${what}`, samples.length, 'samples');
  try {
    for (const c of active) out[c.name] = { total: 0, samples: 0, byRule: {}, byField: {} };
    for (const s of samples) {
      state.checkAborted();
      for (const c of active) {
        const counts = out[c.name] as ConstraintCounts;
        const violations: Violation[] = c.instance.check(s.packets);
        if (violations.length > 0) counts.samples++;
        counts.total += violations.length;
        for (const v of violations) {
          bump(counts.byRule, v.rule);
          bump(counts.byField, v.field);
        }
      }
      task.tick(1);
    }
  } finally {
    task.done();
  }
  return out;
}

/** A packet of a sample that no constraint could make valid (its index in the sample as generated). */
interface SampleUnrepairable {
  sample: string;
  packetIndex: number;
  constraint: string;
  rule: string;
  reason: string;
}

/**
 * Applies the unrepairable policy to one repaired sample: packets with a violation left are
 * dropped, or put back as they were before repair ('keep'); either way listed. `given` holds
 * their indices, whose logged edits no longer apply.
 */
function settleSample(
  active: readonly Active[],
  sample: StoredSample,
  packets: Packet[],
  failures: ReadonlyMap<number, { constraint: string; rule: string; reason: string }>,
  policy: 'drop' | 'keep',
): { packets: Packet[]; unrepairable: SampleUnrepairable[]; given: Set<number> } {
  // Only packets still invalid count: a later constraint may have fixed what an earlier one could not.
  const reasons = new Map<number, { constraint: string; rule: string; reason: string }>();
  for (const c of active) {
    for (const v of c.instance.check(packets)) {
      if (!reasons.has(v.packetIndex))
        reasons.set(v.packetIndex, failures.get(v.packetIndex) ?? { constraint: c.name, rule: v.rule, reason: `${v.field}: ${v.message}` });
    }
  }
  // A constraint that changed the packet count has no per-packet map back to the input: nothing to settle.
  const given = new Set(packets.length === sample.packets.length ? [...reasons.keys()].filter((i) => i < packets.length) : []);
  const unrepairable = [...given]
    .sort((a, b) => a - b)
    .map((i) => ({ sample: sample.id, packetIndex: i, ...(reasons.get(i) as { constraint: string; rule: string; reason: string }) }));
  if (given.size === 0) return { packets, unrepairable, given };
  const out = policy === 'keep' ? packets.map((p, i) => (given.has(i) ? (sample.packets[i] ?? p) : p)) : packets.filter((_, i) => !given.has(i));
  return { packets: out, unrepairable, given };
}

function total(counts: Record<string, ConstraintCounts>): number {
  return Object.values(counts).reduce((n, c) => n + c.total, 0);
}

/**
 * Each constraint learns from the real training flows (when it can), checks the samples,
 * repairs them in config order, and checks again. Works on decoded synthetic samples, or on
 * the real captures when the config has no generator.
 */
export const constraintsStage: Stage = {
  name: 'constraints',
  inputs: (state) => ({ constraints: state.plugins.constraints.map(pluginIdentity), unrepairable: state.config.repair.unrepairable }),
  outputs: () => [OUT.constraintsReport, OUT.constraintsChanges, OUT.repaired, `${OUT.work}/constraints`],
  async run(state) {
    const target = await state.targetSamples();
    const uses = state.plugins.constraints;
    const active: Active[] = [];
    const needsLearning = [];
    for (const [i, use] of uses.entries()) {
      const ctx = await state.context(use.seed, `${OUT.work}/constraints/${i}`);
      const instance = await use.loaded.def.create(use.options, ctx);
      active.push({ name: use.loaded.def.name, instance, rng: ctx.rng.fork('repair') });
      if (instance.learn) needsLearning.push(instance);
    }
    if (needsLearning.length > 0) {
      const { train } = await state.get(IngestKey);
      const flows = train.map((s) => s.flow);
      for (const c of needsLearning) c.learn?.(flows);
    }
    const before = countViolations(state, active, target, 'before repair');

    const changeLines: string[] = [];
    const changesByRule: Record<string, number> = {};
    const changesByField: Record<string, number> = {};
    const repaired: StoredSample[] = [];
    const policy = state.config.repair.unrepairable;
    const unrepairable: SampleUnrepairable[] = [];
    const task = state.progress.start('repair', target.length, 'samples');
    try {
      for (const s of target) {
        state.checkAborted();
        let packets = s.packets;
        const sampleChanges: (RepairChange & { constraint: string })[] = [];
        const failures = new Map<number, { constraint: string; rule: string; reason: string }>();
        for (const c of active) {
          const result = c.instance.repair(packets, c.rng);
          packets = result.packets;
          for (const change of result.changes) sampleChanges.push({ constraint: c.name, ...change });
          for (const u of result.unrepairable ?? [])
            if (!failures.has(u.packetIndex)) failures.set(u.packetIndex, { constraint: c.name, rule: u.rule, reason: u.reason });
        }
        const settled = settleSample(active, s, packets, failures, policy);
        unrepairable.push(...settled.unrepairable);
        for (const change of sampleChanges) {
          if (settled.given.has(change.packetIndex)) continue;
          bump(changesByRule, `${change.constraint}:${change.rule}`);
          bump(changesByField, change.field);
          changeLines.push(JSON.stringify({ sample: s.id, ...change }));
        }
        repaired.push({ ...s, packets: settled.packets });
        task.tick(1);
      }
    } finally {
      task.done();
    }
    const after = countViolations(state, active, repaired, 'after repair');

    await writeSampleStore(state.out.path(OUT.repaired), repaired, true);
    await writeFileAtomic(state.out.path(OUT.constraintsChanges), changeLines.length ? `${changeLines.join('\n')}\n` : '', { force: true });
    const report = {
      samples: target.length,
      on: state.plugins.generator ? 'synthetic' : 'real',
      violations: { before: total(before), after: total(after) },
      before,
      after,
      changes: { total: changeLines.length, byRule: changesByRule, byField: changesByField },
      unrepairable: { policy, count: unrepairable.length, packets: unrepairable },
    };
    await writeFileAtomic(state.out.path(OUT.constraintsReport), toJson(report), { force: true });
    state.provide(RepairedKey, repaired);
    return {
      summary: `${target.length} ${report.on} samples: ${report.violations.before} violations before, ${report.violations.after} after; ${changeLines.length} fields repaired${unrepairable.length ? `; ${unrepairable.length} unrepairable packet(s) ${policy === 'drop' ? 'dropped' : 'kept'}` : ''}`,
      outputs: [OUT.constraintsReport, OUT.constraintsChanges, OUT.repaired],
      details: {
        samples: target.length,
        on: report.on,
        violationsBefore: report.violations.before,
        violationsAfter: report.violations.after,
        changes: changeLines.length,
        unrepairable: unrepairable.length,
      },
    };
  },
};
