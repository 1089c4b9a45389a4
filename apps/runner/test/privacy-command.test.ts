import { describe, expect, it } from 'vitest';
import { main, memoryIo } from '../src/index.js';
import { privacyCommand } from '../src/commands/privacy.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(process.cwd());
  const code = await main(args, [privacyCommand], { io });
  return { code, out: io.out(), err: io.err() };
}

describe('netsynth privacy', () => {
  it('prints ε as JSON: q = 256/60000, σ = 1.1, 60 epochs, δ = 1e-5, integer orders, classic conversion ⇒ 3.01 (TF-Privacy)', async () => {
    const r = await run([
      'privacy',
      '--sample-rate',
      String(256 / 60000),
      '--noise-multiplier',
      '1.1',
      '--steps',
      '14062',
      '--delta',
      '1e-5',
      '--orders',
      'integer',
      '--conversion',
      'classic',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.out) as { epsilon: number; order: number; noiseMultiplier: number };
    expect(a.epsilon).toBeCloseTo(3.01, 2);
    expect(a.noiseMultiplier).toBe(1.1);
  });

  it('inverts: --epsilon gives the noise multiplier that meets it', async () => {
    const r = await run(['privacy', '--sample-rate', '0.01', '--epsilon', '4', '--steps', '2000', '--delta', '1e-5', '--json']);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.out) as { epsilon: number; noiseMultiplier: number };
    expect(a.epsilon).toBeLessThanOrEqual(4);
    expect(a.epsilon).toBeGreaterThan(3.99);
    expect(a.noiseMultiplier).toBeGreaterThan(0.5);
  });

  it('says what it protects in the text form, and refuses both σ and ε', async () => {
    const ok = await run(['privacy', '--sample-rate', '0.01', '--noise-multiplier', '1', '--steps', '100', '--delta', '1e-5']);
    expect(ok.out).toMatch(/\(ε, δ\) = \(/);
    expect(ok.out).toMatch(/one training sample/);
    const bad = await run(['privacy', '--sample-rate', '0.01', '--noise-multiplier', '1', '--epsilon', '2', '--steps', '100', '--delta', '1e-5']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/exactly one of --noise-multiplier/);
  });
});
