// Disk full, injected: node:fs/promises write calls fail with ENOSPC while FAIL is set. Every
// writer must report an IO error naming its output, leave no temp file, and an `encode` that
// failed must not leave a folder that blocks the retry.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '@netsynth/core';
import { PcapWriter } from '@netsynth/pcap';
import { TensorFileWriter, main, memoryIo } from '../src/index.js';
import { encodeCommand } from '../src/commands/encode.js';
import { cleanupTmp, tcpConversation, tmp, writeTinyCaptures } from './helpers.js';

const fail = vi.hoisted(() => ({ on: false }));
const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (...args) => {
    const fh = await real.open(...args);
    const write = fh.write.bind(fh) as (...a: unknown[]) => Promise<unknown>;
    (fh as unknown as { write: (...a: unknown[]) => Promise<unknown> }).write = (...a: unknown[]) => (fail.on ? Promise.reject(enospc()) : write(...a));
    return fh;
  };
  const writeFile: typeof real.writeFile = (...args) => (fail.on ? Promise.reject(enospc()) : real.writeFile(...args));
  return { ...real, default: { ...real, open, writeFile }, open, writeFile };
});

let dir: string;
beforeAll(() => {
  dir = tmp();
});
afterAll(cleanupTmp);

const tempsIn = (d: string): string[] => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.tmp')) : []);

describe('ENOSPC (injected) in every writer', () => {
  it('atomic writer: IO error naming the file, no temp file', async () => {
    const d = join(dir, 'atomic');
    mkdirSync(d);
    fail.on = true;
    const err = await writeFileAtomic(join(d, 'metrics.json'), '{}').catch((e: unknown) => e);
    fail.on = false;
    expect(err).toMatchObject({ code: 'IO', errno: 'ENOSPC', file: join(d, 'metrics.json') });
    expect(tempsIn(d)).toEqual([]);
  });

  it('pcap writer: IO error naming the capture, no temp file', async () => {
    const d = join(dir, 'pcap');
    const file = join(d, 'synthetic.pcap');
    const w = await PcapWriter.open(file, { linkType: 1 });
    fail.on = true;
    let err: unknown;
    try {
      for (const p of tcpConversation(1, 40000, 0n, 4)) await w.write(p);
      await w.close();
    } catch (e) {
      err = e;
      await w.abort();
    }
    fail.on = false;
    expect(err).toMatchObject({ code: 'IO', errno: 'ENOSPC', file });
    expect(existsSync(file)).toBe(false);
    expect(tempsIn(d)).toEqual([]);
  });

  it('encode: a disk-full failure leaves no folder and no temp file, and the retry (no --force) succeeds', async () => {
    const d = join(dir, 'encode');
    mkdirSync(d);
    await writeTinyCaptures(d, 2);
    const encode = async (): Promise<{ code: number; err: string }> => {
      const io = memoryIo(d);
      const code = await main(['encode', 'captures', '-e', 'gasf', '-o', 'enc'], [encodeCommand], { io });
      return { code, err: io.err() };
    };
    fail.on = true;
    const failed = await encode();
    fail.on = false;
    expect(failed.code).not.toBe(0);
    expect(failed.err).toMatch(/error \[IO\]/);
    expect(failed.err).toMatch(/ENOSPC|no space/i);
    expect(existsSync(join(d, 'enc'))).toBe(false);
    expect(tempsIn(d)).toEqual([]);
    const retry = await encode();
    expect(retry.err).not.toMatch(/OUTPUT_EXISTS/);
    expect(retry.code, retry.err).toBe(0);
    expect(existsSync(join(d, 'enc', 'encoder.json'))).toBe(true);
    expect(tempsIn(join(d, 'enc'))).toEqual([]);
  });

  it('tensor file writer: IO error naming the file', async () => {
    const file = join(dir, 'tensors', 'tensors.safetensors');
    fail.on = true;
    const err = await TensorFileWriter.open(file, { count: 1, channels: 1, height: 1, width: 1, labels: ['a'], ids: ['0'], info: {} }).catch((e: unknown) => e);
    fail.on = false;
    expect(err).toMatchObject({ code: 'IO', file });
    expect(tempsIn(join(dir, 'tensors'))).toEqual([]);
  });
});
