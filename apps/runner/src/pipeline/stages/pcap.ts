import { OUT } from '../paths.js';
import { writeSamplesPcap } from '../pcap-out.js';
import type { Stage } from '../stage.js';
import type { RunState } from '../state.js';

/** Where the pcap stage writes: synthetic.pcap for generated traffic, repaired.pcap for repaired real traffic. */
export function pcapOutput(state: RunState): string {
  return state.plugins.generator ? OUT.syntheticPcap : OUT.repairedPcap;
}

/** The final samples (repaired, or as decoded) as one capture. */
export const pcapStage: Stage = {
  name: 'pcap',
  inputs: () => ({}),
  outputs: () => [OUT.syntheticPcap, OUT.repairedPcap],
  async run(state) {
    const samples = await state.finalSamples();
    const rel = pcapOutput(state);
    // Generated samples have no start time of their own: one after another (1 s apart when they would overlap).
    const sequential = state.plugins.generator ? { sequential: { gapNs: 1_000_000_000n } } : {};
    const report = await writeSamplesPcap(state.out.path(rel), samples, state.progress, state.signal, sequential);
    state.checkAborted();
    return {
      summary: `${report.written} packets of ${samples.length} samples → ${rel} (link type ${report.linkType})${report.skipped ? `, ${report.skipped} left out` : ''}${report.shifted ? `; ${report.shifted} samples moved later so samples do not overlap in time` : ''}`,
      outputs: [rel],
      details: { packets: report.written, skipped: report.skipped, shifted: report.shifted, linkType: report.linkType, file: rel },
    };
  },
};
