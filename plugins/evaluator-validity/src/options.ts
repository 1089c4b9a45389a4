import { z } from 'zod';
import { DEFAULT_RULESETS } from './rulesets.js';

const rulesetRef = z.union([z.string().min(1), z.strictObject({ plugin: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() })]);

export const validityOptionsSchema = z.strictObject({
  /**
   * Protocol rulesets to check: short names ("tcp" → @netsynth/ruleset-tcp), package names, or
   * local paths; or { plugin, options }. Unset: the five netsynth rulesets, each skipped with a
   * warning when not installed. An empty list checks no ruleset.
   */
  rulesets: z.array(rulesetRef).optional(),
  /** Also report the share passing after each ruleset's repair. */
  repair: z.boolean().default(true),
  /** NetShare's four validity tests. */
  netshareTests: z.boolean().default(true),
  /** 'auto': run tshark when it is on PATH and a pcap is given; 'off': never. */
  tshark: z.enum(['auto', 'off']).default('auto'),
});

export type ValidityOptions = z.output<typeof validityOptionsSchema>;
export type ValidityOptionsInput = z.input<typeof validityOptionsSchema>;
export { DEFAULT_RULESETS };
