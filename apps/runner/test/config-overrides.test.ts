import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOverrides, initCommand, loadConfigFile, main, memoryIo, parseOverride, runCommand } from '../src/index.js';
import { cleanupTmp, tmp, writeFiles, writeTinyCaptures } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = tmp();
  await writeTinyCaptures(dir, 1);
  writeFiles(dir, {
    'c.yaml': 'input:\n  captures: [captures]\n  flows: { windowPackets: 8 }\nconstraints:\n  - plugin: "@netsynth/ruleset-ipv4"\n',
  });
});
afterAll(cleanupTmp);

describe('--set KEY=VALUE', () => {
  it('parses the value as YAML', () => {
    expect(parseOverride('generator.samplesPerLabel=4')).toEqual({ path: 'generator.samplesPerLabel', value: 4 });
    expect(parseOverride('input.labels.from=directory')).toEqual({ path: 'input.labels.from', value: 'directory' });
    expect(parseOverride('a.b={x: 1, y: [2, "3"]}')).toEqual({ path: 'a.b', value: { x: 1, y: [2, '3'] } });
    expect(parseOverride('a="4"')).toEqual({ path: 'a', value: '4' });
    expect(parseOverride('a=')).toEqual({ path: 'a', value: null });
  });

  it('rejects a missing = or an empty key segment with a usage error', () => {
    expect(() => parseOverride('generator.samplesPerLabel')).toThrow(/expected KEY=VALUE/);
    expect(() => parseOverride('a..b=1')).toThrow(/expected KEY=VALUE/);
    expect(() => parseOverride('=1')).toThrow(/expected KEY=VALUE/);
  });

  it('replaces keys (creating maps on the way, list items by index) in a copy', () => {
    const raw = { input: { captures: ['x'] }, constraints: [{ plugin: 'a' }] };
    const out = applyOverrides(raw, [
      { path: 'input.flows.windowPackets', value: 16 },
      { path: 'constraints.0.options', value: { ttl: 64 } },
    ]);
    expect(out).toEqual({ input: { captures: ['x'], flows: { windowPackets: 16 } }, constraints: [{ plugin: 'a', options: { ttl: 64 } }] });
    expect(raw).toEqual({ input: { captures: ['x'] }, constraints: [{ plugin: 'a' }] });
    expect(() => applyOverrides(raw, [{ path: 'constraints.3.plugin', value: 'b' }])).toThrow(/not an item of the list \(it has 1\)/);
    expect(() => applyOverrides(raw, [{ path: 'constraints.0.plugin.x', value: 'b' }])).toThrow(/constraints\.0\.plugin is a value/);
  });

  it('applies before validation, so a wrong value is a config error naming the key', async () => {
    const loaded = await loadConfigFile(join(dir, 'c.yaml'), dir, [parseOverride('input.flows.windowPackets=3')]);
    expect(loaded.config.input.flows.windowPackets).toBe(3);
    const err = await loadConfigFile(join(dir, 'c.yaml'), dir, [parseOverride('input.flows.windowPackets=many')]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG', configPath: 'input.flows.windowPackets' });
    expect((err as Error).message).toMatch(/^--set input\.flows\.windowPackets, at input\.flows\.windowPackets: .*expected number/);
    // Keys not overridden still point at the file.
    const other = await loadConfigFile(join(dir, 'c.yaml'), dir, [parseOverride('input.holdout=0.1')]);
    expect(other.where('input.flows.windowPackets')).toMatch(/c\.yaml:3:12$/);
  });

  it('netsynth run --set changes the run (recorded in the manifest) and a bad --set exits 2', async () => {
    const io = memoryIo(dir);
    const code = await main(
      ['run', 'c.yaml', '--out', 'out-set', '--set', 'input.flows.windowPackets=2', '--set', 'seed=7', '--json'],
      [runCommand, initCommand],
      { io },
    );
    expect(code, io.err()).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out-set', 'manifest.json'), 'utf8'));
    expect(manifest.config.resolved.input.flows.windowPackets).toBe(2);
    expect(manifest.seed).toBe(7);

    const bad = memoryIo(dir);
    expect(await main(['run', 'c.yaml', '--out', 'out-bad', '--set', 'nokey'], [runCommand], { io: bad })).toBe(2);
    expect(bad.err()).toMatch(/error \[INVALID_ARGUMENT\] --set "nokey": expected KEY=VALUE/);
  });
});
