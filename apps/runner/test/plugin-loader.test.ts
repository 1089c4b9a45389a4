import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PluginLoadError, parsePluginOptions } from '@netsynth/core';
import { PluginLoader, discoverPlugins, installedPluginPackages, isLocalSpec } from '../src/index.js';
import { cleanupTmp, linkCoreInto, tmp, writeFiles } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/plugins/', import.meta.url));

afterAll(cleanupTmp);

/** A folder standing in for a user's project: the plugin package installed in its node_modules. */
function projectWithPackage(): string {
  const dir = tmp();
  linkCoreInto(dir);
  cpSync(join(FIXTURES, 'pkg-encoder'), join(dir, 'node_modules', 'pkg-encoder'), { recursive: true });
  return dir;
}

describe('plugin specs', () => {
  it('tell local paths from package names', () => {
    expect(isLocalSpec('./x.js')).toBe(true);
    expect(isLocalSpec('../x')).toBe(true);
    expect(isLocalSpec('/abs/x.mjs')).toBe(true);
    expect(isLocalSpec('file:plugins/x.js')).toBe(true);
    expect(isLocalSpec('@netsynth/encoder-gasf')).toBe(false);
    expect(isLocalSpec('some-plugin')).toBe(false);
  });
});

describe('PluginLoader', () => {
  it('loads a package by name from the config folder, through its "exports" import condition', async () => {
    const dir = projectWithPackage();
    const loader = new PluginLoader({ baseDir: dir, fallbackDirs: [] });
    const p = await loader.load('pkg-encoder', 'encoder', 'encoder.plugin');
    expect(p.def.name).toBe('pkg-encoder');
    expect(p.packageName).toBe('pkg-encoder');
    expect(p.packageVersion).toBe('2.3.4');
    expect(p.file).toBe(join(dir, 'node_modules', 'pkg-encoder', 'lib', 'index.js'));
    expect(parsePluginOptions(p.def, { scale: 2 }, 'encoder.options')).toEqual({ scale: 2 });
    expect(loader.registry.get('pkg-encoder', 'encoder')).toBe(p.def);
  });

  it('finds a package from a config in a subfolder (node_modules upwards)', async () => {
    const dir = projectWithPackage();
    mkdirSync(join(dir, 'configs', 'deep'), { recursive: true });
    const loader = new PluginLoader({ baseDir: join(dir, 'configs', 'deep'), fallbackDirs: [] });
    expect((await loader.load('pkg-encoder', 'encoder')).def.version).toBe('2.3.4');
  });

  it('falls back to the runner’s own dependencies', async () => {
    const project = tmp();
    const runnerLike = projectWithPackage();
    const loader = new PluginLoader({ baseDir: project, fallbackDirs: [runnerLike] });
    expect((await loader.load('pkg-encoder', 'encoder')).file).toContain(runnerLike);
  });

  it('loads a local folder with a package.json', async () => {
    const loader = new PluginLoader({ baseDir: FIXTURES, fallbackDirs: [] });
    const p = await loader.load('./pkg-encoder', 'encoder');
    expect(p.def.name).toBe('pkg-encoder');
    expect(p.packageVersion).toBe('2.3.4');
  });

  it('loads a local .mjs file, also as file: and as an absolute path', async () => {
    const loader = new PluginLoader({ baseDir: FIXTURES, fallbackDirs: [] });
    expect((await loader.load('./echo-evaluator.mjs', 'evaluator')).def.name).toBe('local/echo-evaluator');
    expect((await loader.load('file:echo-evaluator.mjs', 'evaluator')).def.name).toBe('local/echo-evaluator');
    expect((await loader.load(pathToFileURL(join(FIXTURES, 'echo-evaluator.mjs')).href, 'evaluator')).def.version).toBe('0.0.1');
    expect((await loader.load(join(FIXTURES, 'echo-evaluator.mjs'), 'evaluator')).file).toBe(join(FIXTURES, 'echo-evaluator.mjs'));
  });

  it('a missing package says how to install it, and where', async () => {
    const dir = tmp();
    const loader = new PluginLoader({ baseDir: dir, fallbackDirs: [] });
    const err = await loader.load('@someone/encoder-nothing', 'encoder', 'encoder.plugin').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginLoadError);
    expect((err as PluginLoadError).configPath).toBe('encoder.plugin');
    expect((err as Error).message).toContain(`install it with \`npm i @someone/encoder-nothing\` in ${dir}`);
  });

  it('a mistyped package name gets "did you mean" from the packages installed beside it', async () => {
    const dir = projectWithPackage();
    const loader = new PluginLoader({ baseDir: dir, fallbackDirs: [] });
    const err = await loader.load('pkg-encodr', 'encoder').catch((e: unknown) => e);
    expect((err as Error).message).toContain('package not found (did you mean "pkg-encoder"?)');
    const runner = new PluginLoader({ baseDir: tmp() });
    const typo = await runner.load('@netsynth/encoder-gsaf', 'encoder').catch((e: unknown) => e);
    expect((typo as Error).message).toContain('did you mean "@netsynth/encoder-gasf"?');
  });

  it('a missing local path names where it looked', async () => {
    const loader = new PluginLoader({ baseDir: FIXTURES, fallbackDirs: [] });
    await expect(loader.load('./nope.mjs', 'encoder')).rejects.toThrow(
      /no file or folder at .*nope\.mjs \(local plugin paths resolve relative to the config file's folder/,
    );
  });

  it('a module without a plugin is a load error', async () => {
    const loader = new PluginLoader({ baseDir: FIXTURES, fallbackDirs: [] });
    await expect(loader.load('./not-a-plugin.mjs', 'encoder')).rejects.toThrow(/exports no plugin definition/);
  });

  it('a module that fails to import is a load error with the reason', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'broken.mjs'), "import 'no-such-dependency-xyz';\nexport default 1;\n");
    const loader = new PluginLoader({ baseDir: dir, fallbackDirs: [] });
    await expect(loader.load('./broken.mjs', 'encoder')).rejects.toThrow(/could not be imported from .*broken\.mjs: .*no-such-dependency-xyz/);
  });

  it('a package whose "exports" has no import entry is a load error', async () => {
    const dir = tmp();
    writeFiles(dir, { 'node_modules/cjs-only/package.json': JSON.stringify({ name: 'cjs-only', exports: { require: './index.cjs' } }) });
    const loader = new PluginLoader({ baseDir: dir, fallbackDirs: [] });
    await expect(loader.load('cjs-only', 'encoder')).rejects.toThrow(/exports no "\." entry for import/);
  });

  it('checks the kind, and picks one of several by kind', async () => {
    const loader = new PluginLoader({ baseDir: FIXTURES, fallbackDirs: [] });
    await expect(loader.load('./echo-evaluator.mjs', 'generator')).rejects.toThrow(/is not a generator plugin: it exports local\/echo-evaluator \(evaluator\)/);
    await expect(loader.load('./two-rulesets.mjs', 'constraint')).rejects.toThrow(/exports several constraint plugins \(local\/rules-a, local\/rules-b\)/);
    expect(loader.registry.has('local/rules-b')).toBe(true);
  });
});

describe('plugin discovery', () => {
  it('lists the runner’s installed plugin packages and extra specs', async () => {
    const installed = installedPluginPackages();
    expect(installed.length).toBeGreaterThan(0);
    expect(installed.every((n) => n.startsWith('@netsynth/'))).toBe(true);
    const { plugins } = await discoverPlugins(['./echo-evaluator.mjs'], FIXTURES);
    expect(plugins.map((p) => p.def.name)).toContain('local/echo-evaluator');
  });

  it('an extra spec that fails is an error', async () => {
    await expect(discoverPlugins(['./not-a-plugin.mjs'], FIXTURES)).rejects.toBeInstanceOf(PluginLoadError);
  });
});
