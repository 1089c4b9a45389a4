import { relative } from 'node:path';
import { expandCaptures } from '@netsynth/pcap';
import { ConfigError, writeFileAtomic } from '@netsynth/core';
import { sha256File } from '../../hash.js';
import { toJson } from '../../json.js';
import { OUT } from '../paths.js';
import { isRecordsRun, recordFileHashes } from '../records.js';
import { countByLabel } from '../split.js';
import type { Stage } from '../stage.js';
import { formatCounts, formatTruncation } from './common.js';
import { IngestKey } from '../artifacts.js';

/** Captures → flows → labelled samples, split per label into train and holdout (input.split: by flow, time or window). */
export const ingestStage: Stage = {
  name: 'ingest',
  async inputs(state) {
    if (isRecordsRun(state.config)) return { input: state.config.input, records: await recordFileHashes(state.config, state.loaded) };
    const files = await expandCaptures(state.config.input.captures, state.loaded.dir);
    const captures = [];
    for (const file of files) captures.push({ file: relative(state.loaded.dir, file), sha256: await sha256File(file) });
    return { input: state.config.input, captures };
  },
  outputs: () => [OUT.ingestSamples],
  async run(state) {
    const { all, train, holdout, truncated } = await state.get(IngestKey);
    const { flows } = state.config.input;
    if (all.length === 0) {
      throw new ConfigError(
        `the captures hold no flow with at least ${flows.minPackets} packet(s); check input.captures and input.flows.minPackets`,
        'input.captures',
      );
    }
    const perLabel = countByLabel(all);
    await writeFileAtomic(
      state.out.path(OUT.ingestSamples),
      toJson({
        // Sample ids are FILE#FLOW@WINDOW: anyone can check that no flow lies on both sides.
        split: state.config.input.split,
        samples: all.length,
        perLabel,
        truncated,
        train: train.map((s) => ({ id: s.id, label: s.label, packets: s.flow.packets.length })),
        holdout: holdout.map((s) => ({ id: s.id, label: s.label, packets: s.flow.packets.length })),
      }),
      { force: true },
    );
    const packets = all.reduce((n, s) => n + s.flow.packets.length, 0);
    // Headers-only captures (CAIDA, editcap -s): cut packets stay, and the count says how many.
    const cut = truncated.packets > 0 ? `; ${formatTruncation(truncated)}` : '';
    return {
      summary: `${all.length} samples (${packets} packets) in ${Object.keys(perLabel).length} labels (${formatCounts(perLabel)}); train ${train.length}, holdout ${holdout.length} (split by ${state.config.input.split})${cut}`,
      outputs: [OUT.ingestSamples],
      details: { samples: all.length, packets, perLabel, train: train.length, holdout: holdout.length, truncated },
    };
  },
};
