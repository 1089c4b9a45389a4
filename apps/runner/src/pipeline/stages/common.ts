import type { PluginKind } from '@netsynth/core';
import type { PluginUse } from '../state.js';

/** What a plugin use contributes to a stage's input hash: a new version or other options redo the stage. */
export function pluginIdentity(use: PluginUse<PluginKind>): { name: string; version: string; options: unknown; seed: number } {
  return { name: use.loaded.def.name, version: use.loaded.def.version, options: use.options, seed: use.seed };
}

/** Short folder-friendly name of a plugin: `@netsynth/ruleset-tcp` → `ruleset-tcp`. */
export function shortName(name: string): string {
  return (name.split('/').pop() ?? name).replace(/[^A-Za-z0-9._-]/g, '_') || 'plugin';
}

/** `web 40, dns 12` */
export function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** "N packets cut by the snap length (M inside the headers)": encode and ingest report it. */
export function formatTruncation(t: { packets: number; headers: number }): string {
  return `${t.packets} packet(s) cut by the snap length (${t.headers} inside the headers; kept, fields past the cut encoded as absent)`;
}
