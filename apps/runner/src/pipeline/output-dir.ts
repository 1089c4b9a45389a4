import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { writeFileAtomic, type JsonValue } from '@netsynth/core';
import { toJson } from '../json.js';
import type { OutputFile } from './manifest.js';

/** What `stages/<name>.done.json` records about a finished stage. */
export interface StageMarker {
  stage: string;
  /** Hash of everything the stage's result depends on (config slice, seeds, plugin versions, upstream stage). */
  inputHash: string;
  finishedAt: string;
  seconds: number;
  summary: string;
  /** Files and folders the stage wrote, relative to the output folder. */
  outputs: string[];
  /** Every file under `outputs` with its size and sha256: checked before the stage is skipped. */
  files?: OutputFile[];
  details?: JsonValue;
}

interface StartedMarker {
  stage: string;
  inputHash: string;
  startedAt: string;
}

/**
 * The run's output folder and its stage markers. A stage that starts writes
 * `stages/<name>.started.json`; one that finishes replaces it with `stages/<name>.done.json`.
 * Every file goes through writeFileAtomic (temp file + rename), so an interrupted run
 * leaves whole files and no `done` marker for the stage it was in.
 */
export class OutputDir {
  readonly stagesDir: string;

  constructor(readonly root: string) {
    this.stagesDir = join(root, 'stages');
  }

  path(rel: string): string {
    return join(this.root, rel);
  }

  rel(abs: string): string {
    return relative(this.root, abs).split('\\').join('/');
  }

  /** True when the folder exists with something in it but no netsynth stage markers: not ours to write into. */
  isForeign(): boolean {
    if (!existsSync(this.root)) return false;
    const entries = readdirSync(this.root).filter((e) => !e.startsWith('.'));
    return entries.length > 0 && !existsSync(this.stagesDir);
  }

  private async readJson<T>(file: string): Promise<T | undefined> {
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(await readFile(file, 'utf8')) as T;
    } catch {
      return undefined; // a damaged marker counts as absent: the stage runs again
    }
  }

  readDone(stage: string): Promise<StageMarker | undefined> {
    return this.readJson<StageMarker>(join(this.stagesDir, `${stage}.done.json`));
  }

  readStarted(stage: string): Promise<StartedMarker | undefined> {
    return this.readJson<StartedMarker>(join(this.stagesDir, `${stage}.started.json`));
  }

  async markStarted(stage: string, inputHash: string): Promise<void> {
    await rm(join(this.stagesDir, `${stage}.done.json`), { force: true });
    const marker: StartedMarker = { stage, inputHash, startedAt: new Date().toISOString() };
    await writeFileAtomic(join(this.stagesDir, `${stage}.started.json`), toJson(marker), { force: true });
  }

  async markDone(marker: StageMarker): Promise<void> {
    await writeFileAtomic(join(this.stagesDir, `${marker.stage}.done.json`), toJson(marker), { force: true });
    await rm(join(this.stagesDir, `${marker.stage}.started.json`), { force: true });
  }

  async clearMarkers(stage: string): Promise<void> {
    await rm(join(this.stagesDir, `${stage}.done.json`), { force: true });
    await rm(join(this.stagesDir, `${stage}.started.json`), { force: true });
  }

  /** The first of `rels` that exists, if any. */
  firstExisting(rels: readonly string[]): string | undefined {
    return rels.map((r) => this.path(r)).find((p) => existsSync(p));
  }

  async remove(rels: readonly string[]): Promise<void> {
    for (const r of rels) await rm(this.path(r), { recursive: true, force: true });
  }
}
