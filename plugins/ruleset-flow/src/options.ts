import { z } from 'zod';

export const flowOptionsSchema = z
  .object({
    /** Timestamps may step back this much (capture clocks on multi-queue interfaces do, by microseconds). */
    timestampJitterSeconds: z.number().min(0).default(0.001),
    /** Longest silence inside one sub-flow before the gap counts as implausible. */
    maxIdleSeconds: z.number().positive().default(3600),
    /** Longest run of consecutive packets sharing one timestamp (real captures show at most a few). */
    maxSameTimestampRun: z.number().int().min(1).default(16),
    /** Timestamps before this instant mean "not generated" (NetDiffusion writes zeros). ISO 8601. */
    earliestTimestamp: z.string().datetime().default('1990-01-01T00:00:00Z'),
    /** Where repaired timestamps start when the sample has none (ISO 8601). */
    repairStartTime: z.string().datetime().default('2024-01-01T00:00:00Z'),
    /**
     * Sequence gaps and acknowledgements of bytes never seen: 'tolerate' them inside the
     * advertised windows (real captures lose packets), or 'reject' them (generated samples have
     * no capture loss, so a gap is a generation error).
     */
    captureLoss: z.enum(['tolerate', 'reject']).default('tolerate'),
    /** Data from the peer of an RST is accepted for this long after it (segments already in flight). */
    rstGraceSeconds: z.number().min(0).default(1),
  })
  .strict();

export type FlowRulesetOptions = z.output<typeof flowOptionsSchema>;
export type FlowRulesetOptionsInput = z.input<typeof flowOptionsSchema>;
