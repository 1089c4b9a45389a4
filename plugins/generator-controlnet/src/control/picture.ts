import type { EncoderInfo, ImageTensor } from '@netsynth/core';
import { InvalidArgumentError } from '@netsynth/core';

/**
 * How an encoder tensor's cells say "this nPrint bit is absent (-1)". Read from the nPrint
 * encoder's info (`metadata.channelNames`): one-hot tensors have a `bit=-1` channel (+1 where
 * absent), signed ones one `bit` channel holding -1 where absent. Without info: one channel is
 * read as signed, three or more as NetDiffusion's red/green/blue picture (absent = blue wins).
 */
export type AbsentRule = { kind: 'onehot'; channel: number } | { kind: 'signed'; channel: number } | { kind: 'rgb' };

export function absentRuleOf(tensor: ImageTensor, info?: EncoderInfo): AbsentRule {
  const names = info?.metadata['channelNames'];
  if (Array.isArray(names)) {
    const onehot = names.indexOf('bit=-1');
    if (onehot >= 0 && onehot < tensor.channels) return { kind: 'onehot', channel: onehot };
    const signed = names.indexOf('bit');
    if (signed >= 0 && signed < tensor.channels) return { kind: 'signed', channel: signed };
  }
  if (tensor.channels === 1 || tensor.channels === 2) return { kind: 'signed', channel: 0 };
  return { kind: 'rgb' };
}

/**
 * The nPrint structure map: 1 where the bit exists (0 or 1), 0 where it is -1 — which header
 * fields and options each packet has, and where the padding rows start. One value per cell.
 * One-hot tensors give the share of present bits (blended pixels get a fraction); signed
 * and RGB ones are thresholded (a blend of -1, 0 and 1 cannot be told apart there).
 */
export function presenceMask(tensor: ImageTensor, info?: EncoderInfo): Float32Array {
  const rule = absentRuleOf(tensor, info);
  const plane = tensor.width * tensor.height;
  const out = new Float32Array(plane);
  const d = tensor.data;
  const [lo, hi] = info?.valueRange ?? [-1, 1];
  for (let i = 0; i < plane; i++) {
    let absent: boolean;
    if (rule.kind === 'onehot') {
      // The share of absent bits under the pixel: exact 0/1 on unblended cells, the mix when the
      // generator's geometry (bilinear resize) blended several cells into one pixel.
      const share = hi > lo ? ((d[rule.channel * plane + i] ?? lo) - lo) / (hi - lo) : 0;
      out[i] = 1 - Math.min(1, Math.max(0, share));
      continue;
    }
    if (rule.kind === 'signed') absent = (d[rule.channel * plane + i] ?? 0) < -0.5;
    else {
      const r = d[i] ?? 0;
      const g = d[plane + i] ?? 0;
      const b = d[2 * plane + i] ?? 0;
      absent = b > r && b > g;
    }
    out[i] = absent ? 0 : 1;
  }
  return out;
}

/**
 * The tensor as the picture a person (and NetDiffusion's Canny) sees, RGB planes in [0, 1]:
 * one-hot nPrint channels are red/green/blue directly; a signed nPrint channel is coloured
 * 1 → red, 0 → green, -1 → blue; anything else maps its value range to [0, 1], a one-channel
 * tensor grey, the first three channels of a wider one as R, G, B.
 */
export function tensorPicture(tensor: ImageTensor, info?: EncoderInfo): Float32Array {
  const plane = tensor.width * tensor.height;
  const out = new Float32Array(3 * plane);
  const d = tensor.data;
  const rule = absentRuleOf(tensor, info);
  const names = info?.metadata['channelNames'];
  if (rule.kind === 'signed' && Array.isArray(names)) {
    for (let i = 0; i < plane; i++) {
      const v = d[rule.channel * plane + i] ?? 0;
      const k = v > 0.5 ? 0 : v < -0.5 ? 2 : 1;
      out[k * plane + i] = 1;
    }
    return out;
  }
  const [lo, hi] = info?.valueRange ?? [-1, 1];
  if (!(hi > lo)) throw new InvalidArgumentError(`encoder value range [${lo}, ${hi}] is empty`);
  const norm = (v: number): number => Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  for (let c = 0; c < 3; c++) {
    const from = tensor.channels >= 3 ? c : 0;
    for (let i = 0; i < plane; i++) out[c * plane + i] = norm(d[from * plane + i] ?? lo);
  }
  return out;
}
