import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFileError, createRng } from '@netsynth/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Dropout,
  Linear,
  Sequential,
  SiLU,
  adamw,
  buildTrainingSession,
  encodeSafetensors,
  epochOrder,
  initParameters,
  mseLoss,
  parseSafetensors,
  readSafetensors,
  writeSafetensors,
  type Trainer,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nn-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('safetensors', () => {
  it('round-trips tensors and __metadata__', async () => {
    const path = join(dir, 'a.safetensors');
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
    await writeSafetensors(
      path,
      { 'down.0.conv1.weight': { shape: [2, 3], data: w }, ids: { shape: [2], data: BigInt64Array.of(7n, -1n) } },
      { step: '12', note: 'x' },
    );
    const f = await readSafetensors(path);
    expect(f.metadata).toEqual({ step: '12', note: 'x' });
    const t = f.tensors.get('down.0.conv1.weight')!;
    expect(t.dtype).toBe('F32');
    expect(t.shape).toEqual([2, 3]);
    expect(new Float32Array(t.bytes.buffer, t.bytes.byteOffset, 6)).toEqual(w);
    expect(new BigInt64Array(f.tensors.get('ids')!.bytes.buffer)[1]).toBe(-1n);
    const file = readFileSync(path);
    const headerLen = Number(new DataView(file.buffer, file.byteOffset, file.byteLength).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
  });

  it('refuses to overwrite without force', async () => {
    const path = join(dir, 'b.safetensors');
    await writeSafetensors(path, { a: { shape: [1], data: Float32Array.of(1) } });
    await expect(writeSafetensors(path, { a: { shape: [1], data: Float32Array.of(2) } })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await writeSafetensors(path, { a: { shape: [1], data: Float32Array.of(2) } }, {}, { force: true });
  });

  it('reports corrupt files as ModelFileError with file and offset', () => {
    const good = encodeSafetensors({ w: { shape: [4], data: Float32Array.of(1, 2, 3, 4) } });
    const expectErr = (buf: Uint8Array, offset: number, msg: RegExp): void => {
      try {
        parseSafetensors(buf, 'bad.safetensors');
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ModelFileError);
        expect((e as ModelFileError).file).toBe('bad.safetensors');
        expect((e as ModelFileError).offset).toBe(offset);
        expect((e as Error).message).toMatch(msg);
      }
    };
    expectErr(good.subarray(0, 5), 0, /too short/);
    const truncated = good.subarray(0, good.length - 4);
    const hl = Number(new DataView(good.buffer).getBigUint64(0, true));
    expectErr(truncated, 8 + hl, /runs past the end/);
    const hugeHeader = good.slice();
    new DataView(hugeHeader.buffer).setBigUint64(0, 10n ** 6n, true);
    expectErr(hugeHeader, 0, /header length/);
    const badJson = good.slice();
    badJson[9] = 0x7b; // '{{' — not JSON
    expectErr(badJson, 8, /not valid UTF-8 JSON/);
    const wrongSize = encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: Float32Array.of(1, 2, 3, 4) } });
    expectErr(wrongSize, 8 + Number(new DataView(wrongSize.buffer).getBigUint64(0, true)), /needs 12/);
  });

  it('trainer.loadCheckpoint of a corrupt file names the file', async () => {
    const net = new Linear(2, 2);
    initParameters(net, 1);
    const t = await buildTrainingSession(net, {
      inputs: { x: { shape: [1, 2] } },
      loss: (ctx, i) => mseLoss(net.forward(ctx, i.x!), i.x!),
      optimizer: adamw({ lr: 1e-3 }),
    });
    const path = join(dir, 'c.safetensors');
    await t.saveCheckpoint(path);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    await expect(t.loadCheckpoint(path)).rejects.toMatchObject({ code: 'MODEL_FILE', file: path });
    await t.dispose();
  });
});

describe('resume', () => {
  // Dropout, AdamW, warm-up + cosine, clipping and EMA all carry state or draw random numbers per step.
  const N = 64;
  const B = 8;
  const rng = createRng(11);
  const xs = Float32Array.from({ length: N * 4 }, () => rng.normal());
  const ys = Float32Array.from({ length: N * 2 }, () => rng.normal());
  const stepsPerEpoch = N / B;

  function makeNet(): Sequential {
    const net = new Sequential([new Linear(4, 16), new SiLU(), new Dropout(0.2), new Linear(16, 2)]);
    initParameters(net, 21);
    return net;
  }
  async function makeTrainer(net: Sequential): Promise<Trainer> {
    return buildTrainingSession(net, {
      inputs: { x: { shape: [B, 4] }, y: { shape: [B, 2] } },
      loss: (ctx, i) => mseLoss(net.forward(ctx, i.x!), i.y!),
      optimizer: adamw({ lr: 1e-2, weightDecay: 0.01 }),
      schedule: { warmupSteps: 3, decay: 'cosine', totalSteps: 20 },
      clipGradNorm: 1,
      ema: { decay: 0.9 },
      seed: 5,
    });
  }
  async function run(t: Trainer, from: number, to: number): Promise<void> {
    for (let s = from; s < to; s++) {
      const order = epochOrder(N, 3, Math.floor(s / stepsPerEpoch));
      const x = new Float32Array(B * 4);
      const y = new Float32Array(B * 2);
      for (let k = 0; k < B; k++) {
        const j = order[(s % stepsPerEpoch) * B + k] as number;
        x.set(xs.subarray(j * 4, j * 4 + 4), k * 4);
        y.set(ys.subarray(j * 2, j * 2 + 2), k * 2);
      }
      await t.trainStep({ x, y });
    }
  }

  it('20 steps in one go equal 10 steps, checkpoint, new trainer, 10 steps (bit-equal)', async () => {
    const a = await makeTrainer(makeNet());
    await run(a, 0, 20);
    const b1 = await makeTrainer(makeNet());
    await run(b1, 0, 10);
    const path = join(dir, 'resume.safetensors');
    await b1.saveCheckpoint(path);
    await b1.dispose();
    const net2 = new Sequential([new Linear(4, 16), new SiLU(), new Dropout(0.2), new Linear(16, 2)]);
    initParameters(net2, 999); // different init: everything must come from the checkpoint
    const b2 = await makeTrainer(net2);
    const meta = await b2.loadCheckpoint(path);
    expect(meta.step).toBe('10');
    expect(b2.step).toBe(10);
    await run(b2, 10, 20);
    for (const [name] of a.trainable) {
      expect(
        Buffer.from(b2.parameter(name).buffer.slice(b2.parameter(name).byteOffset, b2.parameter(name).byteOffset + b2.parameter(name).byteLength)),
      ).toEqual(Buffer.from(a.parameter(name).buffer.slice(a.parameter(name).byteOffset, a.parameter(name).byteOffset + a.parameter(name).byteLength)));
      expect(b2.emaParameter(name)).toEqual(a.emaParameter(name));
    }
    const f = await readSafetensors(path);
    expect([...f.tensors.keys()]).toContain('optimizer.m.0.weight');
    expect([...f.tensors.keys()]).toContain('ema.3.bias');
    await a.dispose();
    await b2.dispose();
  });
});
