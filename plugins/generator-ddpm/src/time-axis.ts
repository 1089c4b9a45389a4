/**
 * Where time sits in an encoder's tensors. Time chunks need each sample's start (and, for flow
 * tags, its end), but the generator knows no encoder: an encoder that carries time says so in
 * its info as `metadata.timeAxis` — the flat index of the start value, linear from the value
 * range's low end ↔ `seconds[0]` to its high end ↔ `seconds[1]`, and optionally the duration's
 * index and scale (`log1p`: min-max of log1p(seconds), NetShare's scaling).
 */
import { InvalidArgumentError, type EncoderInfo } from '@netsynth/core';
import { z } from 'zod';

const index = z.number().int().nonnegative();
const span = z.tuple([z.number(), z.number()]);
const timeAxisSchema = z.object({
  start: z.object({ index, seconds: span }),
  duration: z.object({ index, seconds: span, scale: z.enum(['linear', 'log1p']) }).optional(),
});

/** A scalar field of the tensor mapped to seconds. */
export interface TimeField {
  index: number;
  /** The field's value (in the encoder's range) → seconds. */
  seconds(value: number): number;
  /** Seconds → the field's value, clipped to the encoder's range. */
  value(seconds: number): number;
}

export interface TimeAxis {
  start: TimeField;
  duration?: TimeField;
}

function field(index: number, [s0, s1]: [number, number], [v0, v1]: [number, number], log: boolean): TimeField {
  const f = log ? Math.log1p : (s: number) => s;
  const inv = log ? Math.expm1 : (s: number) => s;
  const lo = f(s0);
  const hi = f(s1);
  return {
    index,
    seconds: (v) => (hi > lo ? inv(lo + ((Math.min(v1, Math.max(v0, v)) - v0) / (v1 - v0)) * (hi - lo)) : s0),
    value: (s) => (hi > lo ? v0 + Math.min(1, Math.max(0, (f(s) - lo) / (hi - lo))) * (v1 - v0) : v0),
  };
}

/** The time axis an encoder declares; undefined when it declares none. Throws on a malformed one (naming the key). */
export function readTimeAxis(info: EncoderInfo): TimeAxis | undefined {
  const raw = info.metadata['timeAxis'];
  if (raw === undefined) return undefined;
  const parsed = timeAxisSchema.safeParse(raw);
  const size = info.channels * info.height * info.width;
  if (!parsed.success) throw new InvalidArgumentError(`the encoder's metadata.timeAxis is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const { start, duration } = parsed.data;
  if (start.index >= size || (duration && duration.index >= size)) {
    throw new InvalidArgumentError(`the encoder's metadata.timeAxis points past its ${size} values`);
  }
  return {
    start: field(start.index, start.seconds, info.valueRange, false),
    ...(duration && { duration: field(duration.index, duration.seconds, info.valueRange, duration.scale === 'log1p') }),
  };
}
