/**
 * One pass over a sample, in one of two modes. Checking reports violations; repairing reports
 * them too and fixes each one at once (on a draft of the packet), so every later decision sees
 * the repaired values. Rules are written once against this interface, which is what keeps
 * `repair` and `check` in agreement: a fix makes exactly the predicate that flagged it true.
 */
import type { Packet, RepairChange, Rng, Violation } from '@netsynth/core';
import { PacketDraft, viewsOf, type PacketView } from '@netsynth/protocol-rules';

export class SampleWalk {
  readonly views: PacketView[];
  readonly violations: Violation[] = [];
  readonly changes: RepairChange[] = [];
  private readonly drafts = new Map<number, PacketDraft>();

  constructor(
    packets: readonly Packet[],
    readonly rng: Rng | undefined,
  ) {
    this.views = viewsOf(packets);
  }

  get repairing(): boolean {
    return this.rng !== undefined;
  }

  get size(): number {
    return this.views.length;
  }

  view(i: number): PacketView {
    const v = this.views[i];
    if (!v) throw new RangeError(`packet ${i} out of range`);
    return v;
  }

  report(rule: string, field: string, packetIndex: number, message: string): void {
    this.violations.push({ rule, field, packetIndex, message });
  }

  /** Repair mode only: edits packet i through a draft and refreshes its view. */
  fix(i: number, edit: (draft: PacketDraft) => void): void {
    if (!this.repairing) return;
    let draft = this.drafts.get(i);
    if (!draft) {
      draft = new PacketDraft(this.view(i).packet, i, this.changes);
      this.drafts.set(i, draft);
    }
    edit(draft);
    this.views[i] = draft.view;
  }

  draftOf(i: number): PacketDraft | undefined {
    return this.drafts.get(i);
  }

  /** The packets with every fix applied and checksums brought in line. */
  finish(rule: string): Packet[] {
    for (const [i, draft] of this.drafts) {
      draft.finalizeChecksums(rule);
      this.views[i] = draft.view;
    }
    return this.views.map((v) => v.packet);
  }
}
