import { describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig } from '../src/index.js';

function configErrorOf(raw: unknown): ConfigError {
  try {
    parseRunConfig(raw, 'run.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('run config schema', () => {
  it('fills defaults for a minimal config', () => {
    const cfg = parseRunConfig({ input: { captures: ['a.pcap'] } });
    expect(cfg.seed).toBe(0);
    expect(cfg.input.labels.from).toBe('filename');
    expect(cfg.input.flows.windowPackets).toBe(1024);
    expect(cfg.input.holdout).toBe(0.2);
    expect(cfg.constraints).toEqual([]);
    expect(cfg.output).toEqual({ dir: 'out', pcap: true, images: true, labels: 'none', timeline: 'learned' });
    expect(cfg.runtime).toEqual({ executionProviders: ['cpu'] });
  });

  it('reports an unknown key with its path', () => {
    const e = configErrorOf({ input: { captures: ['a.pcap'], flowz: {} } });
    expect(e.configPath).toBe('input.flowz');
    expect(e.message).toContain('unknown key "flowz"');
    expect(e.file).toBe('run.yaml');
  });

  it('reports every problem at once, with "did you mean" for a mistyped key', () => {
    const e = configErrorOf({ input: { captures: ['a.pcap'], flow: {}, labels: { from: 'folder' } }, seeed: 3, evaluators: [{ plugin: 'x', optoins: {} }] });
    const paths = (e.issues ?? []).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['input.flow', 'input.labels.from', 'seeed', 'evaluators.0.optoins']));
    expect(e.message).toMatch(/^run\.yaml, at .*: 4 problems in the config:/);
    expect(e.message).toContain('unknown key "flow" (did you mean "flows"?)');
    expect(e.message).toContain('unknown key "seeed" (did you mean "seed"?)');
    expect(e.message).toContain('unknown key "optoins" (did you mean "options"?)');
    // A key far from every known one gets the list, not a guess.
    const far = configErrorOf({ input: { captures: ['a.pcap'] }, zzzzzz: 1 });
    expect(far.message).not.toContain('did you mean');
    expect(far.expected).toMatch(/^one of version, name, seed, input/);
  });

  it('reports a wrong type with the expected type', () => {
    const e = configErrorOf({ input: { captures: ['a.pcap'], flows: { windowPackets: 'many' } } });
    expect(e.configPath).toBe('input.flows.windowPackets');
    expect(e.expected).toBe('number');
  });

  it('reports a wrong enum value with the allowed values', () => {
    const e = configErrorOf({ input: { captures: ['a.pcap'], labels: { from: 'folder' } } });
    expect(e.configPath).toBe('input.labels.from');
    expect(e.expected).toContain('"directory"');
  });

  it('reports a plugin use without a plugin name', () => {
    const e = configErrorOf({ input: { captures: ['a.pcap'] }, constraints: [{ options: {} }] });
    expect(e.configPath).toBe('constraints.0.plugin');
  });
});

describe('generator.samplesPerLabel', () => {
  const withCounts = (samplesPerLabel: unknown) => ({ input: { captures: ['a.pcap'] }, generator: { plugin: 'g', samplesPerLabel } });

  it('reads a count, a map label → count, and the class-mix form with its defaults', () => {
    expect(parseRunConfig(withCounts(4)).generator?.samplesPerLabel).toBe(4);
    expect(parseRunConfig(withCounts({ dns: 3, mix: 2 })).generator?.samplesPerLabel).toEqual({ dns: 3, mix: 2 });
    expect(parseRunConfig(withCounts({ mix: 'capture' })).generator?.samplesPerLabel).toEqual({ mix: 'capture', min: 'holdout' });
    expect(parseRunConfig(withCounts({ mix: 'capture', total: 500, min: 10 })).generator?.samplesPerLabel).toEqual({ mix: 'capture', total: 500, min: 10 });
  });

  it('names the key and the class-mix form when that form is wrong', () => {
    const mix = configErrorOf(withCounts({ mix: 'flows' }));
    expect(mix.configPath).toBe('generator.samplesPerLabel');
    expect(mix.message).toContain('class-mix form {mix: capture, total: N, min: holdout | M}');
    expect(mix.message).toContain('mix: Invalid input: expected "capture"');
    const min = configErrorOf(withCounts({ mix: 'capture', min: 'all' }));
    expect(min.message).toContain('min: expected "holdout" or a count ≥ 0');
    // Inside the form, zod says where: a bad total or an unknown key is reported at its own path.
    expect(configErrorOf(withCounts({ mix: 'capture', total: 0 })).configPath).toBe('generator.samplesPerLabel.total');
    expect(configErrorOf(withCounts({ mix: 'capture', totl: 5 })).configPath).toBe('generator.samplesPerLabel.totl');
  });

  it('lists the three forms for a value that is none of them', () => {
    const e = configErrorOf(withCounts('many'));
    expect(e.configPath).toBe('generator.samplesPerLabel');
    expect(e.message).toContain('expected a count > 0 for every label, a map label → count, or {mix: capture, total: N, min: holdout | M}');
    expect(configErrorOf(withCounts({ dns: 'x' })).message).toContain('expected a count > 0 for every label');
  });
});
