import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '@netsynth/core';
import { configReference, loadConfigFile, main, memoryIo, runCommand, runPipeline, CONFIG_KEY_DOCS } from '../src/index.js';
import { ALL_FAKES } from './fixtures/fake-plugins.js';
import { cleanupTmp, tmp, writeFiles, writeTinyCaptures } from './helpers.js';
import { readFileSync } from 'node:fs';

let dir: string;
beforeAll(async () => {
  dir = tmp();
  await writeTinyCaptures(dir, 1);
});
afterAll(cleanupTmp);

async function configError(yaml: string): Promise<{ code: string; message: string; configPath?: string; file?: string }> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFiles(dir, { [file.slice(dir.length + 1)]: yaml });
  const err = await runPipeline(file, { plugins: ALL_FAKES, progress: silentProgress }).catch((e: unknown) => e);
  if (!(err instanceof Error)) throw new Error('expected the run to fail');
  return Object.assign(err, { file: (err as { file?: string }).file ?? '' }) as never;
}

describe('config validation errors name the YAML path, its line and what was expected', () => {
  it('a mistyped required key is reported as the typo, not also as a missing key (issue 20: `inptu:`)', async () => {
    const e = await configError('version: 1\ninptu:\n  captures: [captures]\n');
    expect(e.code).toBe('CONFIG');
    expect(e.configPath).toBe('inptu');
    expect(e.message).toMatch(/\.yaml:2:1, at inptu: unknown key "inptu" \(did you mean "input"\?\)/);
    expect(e.message).not.toMatch(/received undefined|problems in the config/);
  });

  it('unknown key', async () => {
    const e = await configError('input:\n  captures: [captures]\n  flow:\n    windowPackets: 8\n');
    expect(e.code).toBe('CONFIG');
    expect(e.configPath).toBe('input.flow');
    expect(e.message).toMatch(/\.yaml:3:3, at input\.flow: unknown key "flow" \(did you mean "flows"\?\)/);
    expect(e.message).toMatch(/expected one of captures, .*flows/);
  });

  it('wrong type', async () => {
    const e = await configError('input:\n  captures: [captures]\n  flows:\n    windowPackets: many\n');
    expect(e.configPath).toBe('input.flows.windowPackets');
    expect(e.message).toMatch(/\.yaml:4:5, at input\.flows\.windowPackets: .*expected number/);
  });

  it('wrong enum value', async () => {
    const e = await configError('input:\n  captures: [captures]\n  labels:\n    from: folder\n');
    expect(e.configPath).toBe('input.labels.from');
    expect(e.message).toMatch(/\.yaml:4:5, at input\.labels\.from: /);
    expect(e.message).toContain('"filename" | "directory" | "mapping"');
  });

  it('missing required key', async () => {
    const e = await configError('seed: 1\ninput:\n  holdout: 0.1\n');
    expect(e.configPath).toBe('input.captures');
    expect(e.message).toMatch(/\.yaml:2:1, at input\.captures: .*expected array/);
  });

  it('a plugin option, checked with the plugin’s own schema', async () => {
    const e = await configError('input:\n  captures: [captures]\nconstraints:\n  - plugin: test/ttl\n  - plugin: test/ttl\n    options:\n      ttl: 999\n');
    expect(e.code).toBe('PLUGIN_OPTIONS');
    expect(e.configPath).toBe('constraints.1.options.ttl');
    expect(e.message).toMatch(/\.yaml:7:7, at constraints\.1\.options\.ttl: .*<=255.*\(plugin test\/ttl\)/);
  });

  it('an unknown plugin option', async () => {
    const e = await configError('input:\n  captures: [captures]\nencoder:\n  plugin: test/size-encoder\n  options:\n    lenght: 3\n');
    expect(e.code).toBe('PLUGIN_OPTIONS');
    expect(e.configPath).toBe('encoder.options');
    expect(e.message).toMatch(/lenght/);
  });

  it('a plugin of the wrong kind', async () => {
    const e = await configError('input:\n  captures: [captures]\nencoder:\n  plugin: test/ttl\n');
    expect(e.code).toBe('PLUGIN_LOAD');
    expect(e.configPath).toBe('encoder.plugin');
    expect(e.message).toMatch(/\.yaml:4:3, at encoder\.plugin: plugin "test\/ttl": is a constraint plugin, but an encoder is needed here/);
  });

  it('YAML syntax errors have a line and column', async () => {
    const e = await configError('input:\n  captures: [captures\nseed: 1\n');
    expect(e.code).toBe('CONFIG');
    expect(e.message).toMatch(/\.yaml:\d+:\d+, at \(root\): YAML syntax/);
  });

  it('a duplicate key is an error, not a silent override', async () => {
    const e = await configError('seed: 1\nseed: 2\ninput:\n  captures: [captures]\n');
    expect(e.message).toMatch(/YAML syntax: .*unique/i);
  });

  it('the CLI prints `error [CODE] message`, the key and a hint, and exits with 2', async () => {
    writeFiles(dir, { 'bad.yaml': 'input:\n  captures: [captures]\n  holdout: 2\n' });
    const io = memoryIo(dir);
    const code = await main(['run', 'bad.yaml'], [runCommand], { io });
    expect(code).toBe(2);
    expect(io.out()).toBe('');
    const err = io.err();
    expect(err).toMatch(/^error \[CONFIG\] .*bad\.yaml:3:3, at input\.holdout: /m);
    expect(err).toMatch(/^ {2}config key: input\.holdout$/m);
    expect(err).toMatch(/^ {2}hint: /m);
  });

  it('a missing config file is a usage error', async () => {
    const io = memoryIo(dir);
    expect(await main(['run', 'nope.yaml'], [runCommand], { io })).toBe(2);
    expect(io.err()).toMatch(/error \[INVALID_ARGUMENT\] .*nope\.yaml: cannot read the config file: ENOENT/);
  });
});

describe('config reference', () => {
  it('documents every key of the schema', () => {
    const rows = configReference();
    for (const r of rows) expect(CONFIG_KEY_DOCS[r.path], r.path).toBeTruthy();
    expect(rows.map((r) => r.path)).toContain('input.flows.windowPackets');
    expect(rows.find((r) => r.path === 'input.flows.windowPackets')?.default).toBe('1024');
    expect(rows.find((r) => r.path === 'input.records')?.default).toBe('[]');
  });

  it('is in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const r of configReference()) expect(readme, r.path).toContain(`\`${r.path}\``);
  });

  it('loads a valid file with defaults filled in', async () => {
    writeFiles(dir, { 'ok.yaml': 'input:\n  captures: [captures]\n' });
    const loaded = await loadConfigFile(join(dir, 'ok.yaml'));
    expect(loaded.config.input.flows.windowPackets).toBe(1024);
    expect(loaded.dir).toBe(dir);
    expect(loaded.where('input.captures.0')).toBe(`${join(dir, 'ok.yaml')}:2:14`);
  });
});
