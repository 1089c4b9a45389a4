/**
 * Hostile config files (issue 20): a YAML alias bomb or a nesting deep enough to exhaust the
 * stack is a CONFIG error naming the file (exit 2), never an internal error.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNetsynthError } from '@netsynth/core';
import { loadConfigFile, main, memoryIo, runCommand } from '../src/index.js';
import { cleanupTmp, tmp, writeFiles } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = tmp();
});
afterAll(cleanupTmp);

/** a: 9 strings, b: 9 × a, … l: 9^12 strings once expanded. */
function aliasBomb(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++) {
    const prev = String.fromCharCode(96 + i);
    lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\ninput:\n  captures: *l\n`;
}

async function loadError(name: string, yaml: string): Promise<unknown> {
  writeFiles(dir, { [name]: yaml });
  return loadConfigFile(join(dir, name)).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('config files that attack the YAML parser', () => {
  it('an alias bomb is a CONFIG error naming the file, and `netsynth run` exits 2', async () => {
    const e = await loadError('bomb.yaml', aliasBomb());
    expect(isNetsynthError(e) && e.code).toBe('CONFIG');
    expect(isNetsynthError(e) && e.file).toBe(join(dir, 'bomb.yaml'));
    expect(String((e as Error).message)).toMatch(/alias/i);
    const io = memoryIo(dir);
    const code = await main(['run', 'bomb.yaml'], [runCommand], { io });
    expect(code).toBe(2);
    expect(io.err()).toMatch(/^error \[CONFIG\] .*bomb\.yaml/);
    expect(io.err()).not.toMatch(/INTERNAL/);
  });

  it('a nesting tens of thousands deep is a CONFIG error naming the file', async () => {
    const depth = 60_000;
    const e = await loadError('deep.yaml', `input:\n  captures: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    expect(isNetsynthError(e) && e.code).toBe('CONFIG');
    expect(String((e as Error).message)).toContain('deep.yaml');
  });

  it('a few aliases, as real configs use them, still load', async () => {
    const e = await loadError('anchors.yaml', 'seed: &n 8\ninput:\n  captures: [a.pcap]\n  flows:\n    windowPackets: *n\n');
    expect(e).toBeUndefined();
  });
});
