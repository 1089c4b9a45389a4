/**
 * The TCP option sets a label's flows sent on segments other than SYNs, per protocol and
 * direction, learned in fit. A generated segment's option-presence bits are snapped to the
 * nearest set its side sent (as its flags are), so one noisy bit does not drop the timestamps
 * from one segment of a stack that put them on every segment (a 40-byte ACK among 52-byte
 * ones, which no real flow of the class had).
 */
import { bitDistance, nearest, TCP_FLAG, type Counts } from '@netsynth/protocol-rules';
import { noOptions, OPTION_NAMES, type OptionName, type PacketRow, type SampleRows } from './rows.js';

/** Option sets per label and protocol: [initiator → responder, back], each a count per option mask. */
export type OptionSets = Record<string, Record<string, [Counts, Counts]>>;

/** Bit k set when OPTION_NAMES[k] is present. */
export function optionMask(options: Record<OptionName, boolean>): number {
  return OPTION_NAMES.reduce((m, o, k) => (options[o] ? m | (1 << k) : m), 0);
}

function optionsOfMask(mask: number): Record<OptionName, boolean> {
  const out = noOptions();
  OPTION_NAMES.forEach((o, k) => (out[o] = ((mask >> k) & 1) === 1));
  return out;
}

/** Whether a row's options were captured and it is a TCP segment that is not a SYN. */
function counted(r: PacketRow, protocol: number): boolean {
  return protocol === 6 && (r.flags & TCP_FLAG.SYN) === 0 && !r.absent?.some((f) => f.startsWith('option.'));
}

export function learnOptionSets(byLabel: ReadonlyMap<string, readonly SampleRows[]>): OptionSets {
  const out: OptionSets = {};
  for (const [label, samples] of byLabel) {
    for (const s of samples) {
      for (const r of s.rows) {
        if (!counted(r, s.flow.protocol)) continue;
        const mine = ((out[label] ??= {})[String(s.flow.protocol)] ??= [{}, {}])[r.direction];
        const k = String(optionMask(r.options));
        mine[k] = (mine[k] ?? 0) + 1;
      }
    }
  }
  return out;
}

/** The generated presence bits snapped to the nearest set learned for that side (unchanged when none was learned). */
export function snapOptions(options: Record<OptionName, boolean>, learned: Counts | undefined): Record<OptionName, boolean> {
  if (!learned || Object.keys(learned).length === 0) return { ...options };
  const mask = nearest(learned, optionMask(options), (a, b) => bitDistance(a, b, OPTION_NAMES.length));
  return mask === undefined ? { ...options } : optionsOfMask(mask);
}
