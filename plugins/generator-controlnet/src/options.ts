import { z } from 'zod';

export const controlNetOptionsSchema = z
  .strictObject({
    model: z.string().min(1).optional().describe("ControlNet ONNX file, relative to the config file; default: the SD model folder's controlnet/model.onnx"),
    control: z
      .enum(['structure', 'edges'])
      .default('structure')
      .describe('structure: nPrint presence mask of a real sample (bit present = 1, -1 = 0); edges: Canny edges of its picture'),
    conditioningScale: z.number().min(0).default(1).describe('multiplies every residual (0 = the ControlNet changes nothing)'),
    guidanceStart: z.number().min(0).max(1).default(0).describe('fraction of the steps after which the control starts'),
    guidanceEnd: z.number().min(0).max(1).default(1).describe('fraction of the steps after which the control stops'),
    reference: z
      .enum(['random', 'cycle'])
      .default('random')
      .describe("which of a label's real samples steers each generated one: a seeded random draw, or in turn"),
    canny: z
      .strictObject({
        low: z.number().min(0).default(100),
        high: z.number().min(0).default(200),
      })
      .default({ low: 100, high: 200 })
      .describe('Canny hysteresis thresholds on the L1 gradient of 0–255 pixels (NetDiffusion: 100/200)'),
    inputNames: z
      .strictObject({
        sample: z.string().optional(),
        timestep: z.string().optional(),
        encoderHiddenStates: z.string().optional(),
        controlnetCond: z.string().optional(),
        conditioningScale: z.string().optional(),
      })
      .optional()
      .describe('graph input names, when the export uses names the plugin does not recognise'),
    tiny: z
      .strictObject({
        seed: z.number().int().nonnegative().default(0),
        perturb: z.number().min(0).default(0.05),
        conditioningChannels: z.array(z.number().int().positive()).min(2).optional(),
      })
      .optional()
      .describe(
        "build a tiny ControlNet (buildTinyControlNet) matched to a tiny SD folder (one with netsynth_tiny.json) into this plugin's work folder and use it, instead of a file; perturb > 0 gives it non-zero residuals (examples, tests)",
      ),
    runtime: z
      .strictObject({
        intraOpNumThreads: z.number().int().positive().optional(),
        executionProviders: z.array(z.string()).optional(),
      })
      .default({}),
  })
  .refine((o) => o.guidanceStart <= o.guidanceEnd, { message: 'guidanceStart must not be after guidanceEnd', path: ['guidanceStart'] })
  .refine((o) => !(o.tiny && o.model), { message: 'give either model or tiny, not both', path: ['tiny'] })
  .refine((o) => o.canny.low <= o.canny.high, { message: 'canny.low must not exceed canny.high', path: ['canny', 'low'] });

export type ControlNetOptions = z.output<typeof controlNetOptionsSchema>;
export type ControlNetOptionsInput = z.input<typeof controlNetOptionsSchema>;

/**
 * Whether step `stepIndex` of `totalSteps` gets the control, with diffusers' rule
 * (`control_guidance_start/end`): on when i/T ≥ start and (i+1)/T ≤ end.
 */
export function controlActive(stepIndex: number, totalSteps: number, start: number, end: number): boolean {
  return stepIndex / totalSteps >= start && (stepIndex + 1) / totalSteps <= end;
}
