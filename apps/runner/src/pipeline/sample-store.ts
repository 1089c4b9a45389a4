import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { ModelFileError, asFileError, commitTempFile, makeDir, tempPathFor, type DecodeProblem, type NetflowRecord, type Packet } from '@netsynth/core';

/**
 * Samples of packets kept between stages (decoded and repaired samples) as JSON lines, one
 * sample per line, so a later run can resume from them:
 *   {"id","label","packets":[{"t":"<ns>","cap","len","link","data":"<base64>"}],"problems":[...],"series":{name:[...]}}
 */
export interface StoredSample {
  id: string;
  label: string;
  packets: Packet[];
  problems: DecodeProblem[];
  series?: Record<string, Float64Array>;
  /** The decoded flow record (record encodings). */
  netflow?: NetflowRecord;
}

interface StoredLine {
  id: string;
  label: string;
  packets: { t: string; cap: number; len: number; link: number; data: string; iface?: number }[];
  problems: DecodeProblem[];
  series?: Record<string, number[]>;
  netflow?: NetflowRecord;
}

function toLine(s: StoredSample): string {
  const line: StoredLine = {
    id: s.id,
    label: s.label,
    packets: s.packets.map((p) => ({
      t: p.timestampNs.toString(),
      cap: p.capturedLength,
      len: p.originalLength,
      link: p.linkType,
      data: Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString('base64'),
      ...(p.interfaceId !== undefined && { iface: p.interfaceId }),
    })),
    problems: s.problems,
  };
  if (s.netflow) line.netflow = s.netflow;
  if (s.series) line.series = Object.fromEntries(Object.entries(s.series).map(([k, v]) => [k, Array.from(v)]));
  return JSON.stringify(line);
}

export async function writeSampleStore(path: string, samples: readonly StoredSample[], force = false): Promise<void> {
  const tmp = tempPathFor(path);
  let fh;
  try {
    await makeDir(dirname(path));
    fh = await open(tmp, 'w');
    for (const s of samples) await fh.write(`${toLine(s)}\n`);
    await fh.close();
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw asFileError(e, path); // ENOSPC from write() names no file
  }
  await commitTempFile(tmp, path, { force });
}

export async function readSampleStore(path: string): Promise<StoredSample[]> {
  const out: StoredSample[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (!text.trim()) continue;
    let line: StoredLine;
    try {
      line = JSON.parse(text) as StoredLine;
    } catch (e) {
      throw new ModelFileError(`line ${n} is not JSON`, path, undefined, e);
    }
    if (typeof line.id !== 'string' || typeof line.label !== 'string' || !Array.isArray(line.packets)) {
      throw new ModelFileError(`line ${n} is not a stored sample (id, label, packets)`, path);
    }
    const sample: StoredSample = {
      id: line.id,
      label: line.label,
      problems: Array.isArray(line.problems) ? line.problems : [],
      packets: line.packets.map((p) => ({
        timestampNs: BigInt(p.t),
        capturedLength: p.cap,
        originalLength: p.len,
        linkType: p.link,
        data: new Uint8Array(Buffer.from(p.data, 'base64')),
        ...(p.iface !== undefined && { interfaceId: p.iface }),
      })),
    };
    if (line.netflow) sample.netflow = line.netflow;
    if (line.series) sample.series = Object.fromEntries(Object.entries(line.series).map(([k, v]) => [k, Float64Array.from(v)]));
    out.push(sample);
  }
  return out;
}
