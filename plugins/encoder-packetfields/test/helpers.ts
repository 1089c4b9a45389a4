import { readdirSync } from 'node:fs';
import type { LabelledSample } from '@netsynth/core';
import { assembleFlows, readCaptureAll } from '@netsynth/pcap';
import { sharedPath } from '@netsynth/test-support';

/** Labelled captures of a shared-data folder: lab/ by file name, apps/ by folder name. */
export function capturesOf(folder: 'lab' | 'apps'): [string, string][] {
  const root = sharedPath(folder);
  if (folder === 'lab')
    return readdirSync(root)
      .sort()
      .map((f) => [f.replace(/\.[^.]+$/, ''), `${root}/${f}`]);
  return readdirSync(root)
    .sort()
    .flatMap((d) =>
      readdirSync(`${root}/${d}`)
        .sort()
        .map((f): [string, string] => [d, `${root}/${d}/${f}`]),
    );
}

/** Up to `perLabel` whole flows (≥ 2 packets) per label, as samples. */
export async function samplesOf(captures: readonly [string, string][], perLabel: number): Promise<LabelledSample[]> {
  const out: LabelledSample[] = [];
  const count = new Map<string, number>();
  for (const [label, path] of captures) {
    const { packets } = await readCaptureAll(path);
    for (const flow of assembleFlows(packets, { idleTimeoutSeconds: 60, source: path })) {
      const n = count.get(label) ?? 0;
      if (flow.packets.length < 2 || n >= perLabel) continue;
      count.set(label, n + 1);
      out.push({ id: `${label}#${n}`, label, flow, windowStart: 0 });
    }
  }
  return out;
}
