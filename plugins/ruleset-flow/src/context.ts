import type { ValueSource } from '@netsynth/protocol-rules';
import type { FlowRulesetOptions } from './options.js';

export interface FlowContext {
  options: FlowRulesetOptions;
  values: ValueSource;
  earliestNs: bigint;
  repairStartNs: bigint;
}

export function isoToNs(iso: string): bigint {
  return BigInt(Date.parse(iso)) * 1_000_000n;
}
