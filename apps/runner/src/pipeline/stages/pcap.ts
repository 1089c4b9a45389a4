import { OUT } from '../paths.js';
import type { Stage } from '../stage.js';
import type { RunState } from '../state.js';
import { timelineShifts } from '../timeline.js';
import { writeTrace } from '../trace-out.js';

/** Gap between generated samples that would overlap in synthetic.pcap (`output.timeline: sequential`). */
export { GENERATED_GAP_NS } from '../timeline.js';

/** Where the pcap stage writes: synthetic.pcap for generated traffic, repaired.pcap for repaired real traffic. */
export function pcapOutput(state: RunState): string {
  return state.plugins.generator ? OUT.syntheticPcap : OUT.repairedPcap;
}

/** The final samples (repaired, or as decoded) as one capture on the run's timeline, with labels and flows.csv. */
export const pcapStage: Stage = {
  name: 'pcap',
  inputs: (state) => ({ labels: state.config.output.labels, timeline: state.config.output.timeline }),
  outputs: () => [OUT.syntheticPcap, OUT.repairedPcap, OUT.syntheticPcapng, OUT.repairedPcap.replace(/\.pcap$/, '.pcapng'), OUT.byClass, OUT.flowsCsv],
  async run(state) {
    const samples = await state.finalSamples();
    const rel = pcapOutput(state);
    const timeline = await timelineShifts(state, samples);
    const files = { pcap: rel, pcapng: rel.replace(/\.pcap$/, '.pcapng'), byClass: OUT.byClass, flowsCsv: OUT.flowsCsv };
    const { labels } = state.config.output;
    const report = await writeTrace((r) => state.out.path(r), files, samples, { labels, signal: state.signal, ...(timeline && { shifts: timeline.shifts }) });
    state.checkAborted();
    const when = !timeline
      ? 'their own times'
      : state.config.output.timeline === 'learned'
        ? `flow starts drawn from the real training trace per class${timeline.sequential ? ` (${timeline.sequential} samples of classes with < 2 real flows end to end)` : ''}`
        : 'end to end, 1 s apart';
    return {
      summary: `${report.written} packets of ${samples.length} samples → ${report.files.join(', ')} (link type ${report.linkType}; ${when})${report.skipped ? `, ${report.skipped} left out` : ''}`,
      outputs: report.files,
      details: {
        packets: report.written,
        skipped: report.skipped,
        linkType: report.linkType,
        file: rel,
        files: report.files,
        labels,
        timeline: timeline ? state.config.output.timeline : 'own',
      },
    };
  },
};
