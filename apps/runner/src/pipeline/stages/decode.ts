import { decodeProblemKind, writeFileAtomic } from '@netsynth/core';
import { toJson } from '../../json.js';
import { OUT } from '../paths.js';
import { isRecordsRun, writeSyntheticRecords } from '../records.js';
import { writeSampleStore, type StoredSample } from '../sample-store.js';
import type { Stage } from '../stage.js';
import { generatedIds, sampleShare } from './sample.js';
import { DecodedKey, EncoderKey, GeneratedKey } from '../artifacts.js';

/** encoder.decode of every generated image → packets (rows that make no packet are reported). */
export const decodeStage: Stage = {
  name: 'decode',
  inputs: () => ({}),
  outputs: (state) => [OUT.decoded, OUT.decodeProblems, ...(isRecordsRun(state.config) ? [OUT.syntheticCsv] : [])],
  async run(state) {
    const encoder = await state.get(EncoderKey);
    const generated = await state.get(GeneratedKey);
    const ids = generatedIds(generated, (await sampleShare(state)).first);
    const task = state.progress.start('decode', generated.length, 'samples');
    const decoded: StoredSample[] = [];
    try {
      generated.forEach((g, i) => {
        state.checkAborted();
        const d = encoder.decode(g.tensor, g.label);
        decoded.push({
          id: ids[i] ?? String(i),
          label: d.label || g.label,
          packets: d.packets,
          problems: d.problems,
          ...(d.series !== undefined && { series: d.series }),
          ...(d.netflow !== undefined && { netflow: d.netflow }),
        });
        task.tick(1);
      });
    } finally {
      task.done();
    }
    await writeSampleStore(state.out.path(OUT.decoded), decoded, true);
    const withProblems = decoded.filter((d) => d.problems.length > 0).map((d) => ({ id: d.id, label: d.label, problems: d.problems }));
    await writeFileAtomic(state.out.path(OUT.decodeProblems), toJson(withProblems), { force: true });
    state.provide(DecodedKey, decoded);
    // A records run's result is its records, in the input's CSV schema.
    const csv = isRecordsRun(state.config) ? [await writeSyntheticRecords(state.config, state.loaded, state.out, decoded)] : [];
    const packets = decoded.reduce((n, d) => n + d.packets.length, 0);
    // A repair mode (nPrint rows: repair) lists every repaired row among the problems, plus a counts line.
    const count = (kind: string): number => decoded.reduce((n, d) => n + d.problems.filter((p) => decodeProblemKind(p) === kind).length, 0);
    const repaired = count('repaired');
    const problems = count('failed');
    const parts = [...(repaired ? [`${repaired} rows repaired into packets`] : []), ...(problems ? [`${problems} rows could not be decoded`] : [])];
    return {
      summary: `${decoded.length} samples → ${packets} packets${parts.length ? `; ${parts.join(', ')} (see ${OUT.decodeProblems})` : ''}${csv.length ? `; records → ${OUT.syntheticCsv}` : ''}`,
      outputs: [OUT.decoded, OUT.decodeProblems, ...csv],
      details: { samples: decoded.length, packets, problems, repaired },
    };
  },
};
