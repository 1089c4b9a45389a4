import { writeFileAtomic, type Constraint, type RepairChange, type Rng, type Violation } from '@netsynth/core';
import { toJson } from '../../json.js';
import { OUT } from '../paths.js';
import { writeSampleStore, type StoredSample } from '../sample-store.js';
import type { Stage } from '../stage.js';
import type { RunState } from '../state.js';
import { pluginIdentity } from './common.js';

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
  inputs: (state) => ({ constraints: state.plugins.constraints.map(pluginIdentity) }),
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
      const { train } = await state.ingest();
      const flows = train.map((s) => s.flow);
      for (const c of needsLearning) c.learn?.(flows);
    }
    const before = countViolations(state, active, target, 'before repair');

    const changeLines: string[] = [];
    const changesByRule: Record<string, number> = {};
    const changesByField: Record<string, number> = {};
    const repaired: StoredSample[] = [];
    const task = state.progress.start('repair', target.length, 'samples');
    try {
      for (const s of target) {
        state.checkAborted();
        let packets = s.packets;
        for (const c of active) {
          const result = c.instance.repair(packets, c.rng);
          packets = result.packets;
          for (const change of result.changes as RepairChange[]) {
            bump(changesByRule, `${c.name}:${change.rule}`);
            bump(changesByField, change.field);
            changeLines.push(JSON.stringify({ sample: s.id, constraint: c.name, ...change }));
          }
        }
        repaired.push({ ...s, packets });
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
    };
    await writeFileAtomic(state.out.path(OUT.constraintsReport), toJson(report), { force: true });
    state.provide('repaired', repaired);
    return {
      summary: `${target.length} ${report.on} samples: ${report.violations.before} violations before, ${report.violations.after} after; ${changeLines.length} fields repaired`,
      outputs: [OUT.constraintsReport, OUT.constraintsChanges, OUT.repaired],
      details: { samples: target.length, on: report.on, violationsBefore: report.violations.before, violationsAfter: report.violations.after, changes: changeLines.length },
    };
  },
};
