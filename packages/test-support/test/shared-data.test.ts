import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { labCaptures, largestLabCapture, resolveSharedData, sharedCaptureCases, sharedCaptureExpectations, sharedCaptures } from '../src/index.js';

/** The repository root, found independently of the package: the folder above with pnpm-workspace.yaml. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) dir = dirname(dir);
  return dir;
}

/** A fake data folder: captures of every accepted extension, plus files and folders that are not captures. */
const root = mkdtempSync(join(tmpdir(), 'netsynth-test-support-'));
const files: Record<string, number> = {
  'lab/web.pcap': 300,
  'lab/bulk.pcap': 900,
  'lab/dns.pcap': 100,
  'lab/notes.txt': 5000,
  'packets/dns.pcap': 10,
  'packets/dns.pcapclear': 10,
  'packets/a_trace.pcapng': 20,
  'packets/README.md': 50,
  'packets/old.pcap.bak': 10,
  'netdiffusion/replayable_netflix_5.pcap': 10,
};
for (const [rel, size] of Object.entries(files)) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), Buffer.alloc(size));
}
afterAll(() => rmSync(root, { recursive: true, force: true }));
// Tests that stub NETSYNTH_SHARED_DATA re-import the module (its state is read at import).
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('the shared-data folder', () => {
  it('is <repo root>/../shared/data unless NETSYNTH_SHARED_DATA says otherwise', () => {
    expect(resolveSharedData({})).toBe(resolve(repoRoot(), '..', 'shared', 'data'));
    expect(resolveSharedData({ NETSYNTH_SHARED_DATA: root })).toBe(root);
    expect(resolveSharedData({ NETSYNTH_SHARED_DATA: '' })).toBe(resolve(repoRoot(), '..', 'shared', 'data'));
  });
});

describe('with NETSYNTH_SHARED_DATA set (module state read at import)', () => {
  it('points SHARED_DATA, sharedPath and the capture list at the override', async () => {
    vi.stubEnv('NETSYNTH_SHARED_DATA', root);
    vi.resetModules();
    const m = await import('../src/index.js');
    expect(m.SHARED_DATA).toBe(root);
    expect(m.HAVE_SHARED_DATA).toBe(true);
    expect(m.sharedPath('netdiffusion', 'replayable_netflix_5.pcap')).toBe(join(root, 'netdiffusion', 'replayable_netflix_5.pcap'));
    expect(m.sharedCaptures()).toEqual(sharedCaptures(root));
    expect(m.sharedCaptures()).toHaveLength(6);
  });

  it('haveShared says nothing when the path is there, and one skipping line naming it when not', async () => {
    vi.stubEnv('NETSYNTH_SHARED_DATA', root);
    vi.resetModules();
    const m = await import('../src/index.js');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(m.haveShared('lab tests', 'lab')).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    expect(m.haveShared('gone tests', 'gone')).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/^skipping gone tests: .*netsynth-test-support-.*\/gone not found/);
  });

  it('an absent folder: HAVE_SHARED_DATA false, no captures, haveShared warns with ../shared/data wording only when not overridden', async () => {
    vi.stubEnv('NETSYNTH_SHARED_DATA', join(root, 'missing'));
    vi.resetModules();
    const m = await import('../src/index.js');
    expect(m.HAVE_SHARED_DATA).toBe(false);
    expect(m.sharedCaptures()).toEqual([]);
    expect(m.sharedCaptureCases()).toEqual([]);
    expect(m.largestLabCapture()).toBeUndefined();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(m.haveShared('x')).toBe(false);
    expect(warn.mock.calls[0]?.[0]).toBe(`skipping x: ${join(root, 'missing')} not found (NETSYNTH_SHARED_DATA points there)`);
  });
});

describe('without NETSYNTH_SHARED_DATA', () => {
  it('uses the folder beside the repository and words a skip as ../shared/data/<path>', async () => {
    vi.stubEnv('NETSYNTH_SHARED_DATA', '');
    vi.resetModules();
    const m = await import('../src/index.js');
    expect(m.SHARED_DATA).toBe(resolve(repoRoot(), '..', 'shared', 'data'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(m.haveShared('y tests', 'no-such-folder', 'x.pcap')).toBe(false);
    expect(warn.mock.calls[0]?.[0]).toBe('skipping y tests: ../shared/data/no-such-folder/x.pcap not found (NETSYNTH_SHARED_DATA can point elsewhere)');
  });
});

describe('capture listing', () => {
  it('lists lab/ then packets/, each sorted, only .pcap/.pcapng/.pcapclear', () => {
    expect(sharedCaptures(root)).toEqual(
      ['lab/bulk.pcap', 'lab/dns.pcap', 'lab/web.pcap', 'packets/a_trace.pcapng', 'packets/dns.pcap', 'packets/dns.pcapclear'].map((f) => join(root, f)),
    );
  });

  it('gives [name relative to the folder, path] rows for it.each', () => {
    const rows = sharedCaptureCases(root);
    expect(rows.map(([n]) => n)).toEqual([
      'lab/bulk.pcap',
      'lab/dns.pcap',
      'lab/web.pcap',
      'packets/a_trace.pcapng',
      'packets/dns.pcap',
      'packets/dns.pcapclear',
    ]);
    for (const [name, path] of rows) expect(path).toBe(join(root, name));
  });

  it('adds the expected counts of a listed capture, and `none` for every other one', () => {
    const expected: Record<string, { counts: Record<string, number>; reason: string }> = { 'lab/dns.pcap': { counts: { 'x.y': 2 }, reason: 'r' } };
    const rows = sharedCaptureExpectations(expected, {}, root);
    expect(rows.map(([n]) => n)).toEqual(sharedCaptureCases(root).map(([n]) => n));
    expect(rows.find(([n]) => n === 'lab/dns.pcap')?.[2]).toEqual({ 'x.y': 2 });
    expect(rows.filter(([n]) => n !== 'lab/dns.pcap').map(([, , c]) => c)).toEqual(Array(5).fill({}));
  });

  it('lab captures and the largest of them by size (not the larger non-capture file)', () => {
    expect(labCaptures(root)).toEqual(['bulk', 'dns', 'web'].map((n) => join(root, 'lab', `${n}.pcap`)));
    expect(largestLabCapture(root)).toBe(join(root, 'lab', 'bulk.pcap'));
  });

  it('a folder with only packets/ lists its captures and no lab capture', () => {
    const only = mkdtempSync(join(tmpdir(), 'netsynth-test-support-packets-'));
    try {
      mkdirSync(join(only, 'packets'));
      writeFileSync(join(only, 'packets', 'x.pcapng'), '');
      expect(sharedCaptureCases(only)).toEqual([['packets/x.pcapng', join(only, 'packets', 'x.pcapng')]]);
      expect(labCaptures(only)).toEqual([]);
      expect(largestLabCapture(only)).toBeUndefined();
    } finally {
      rmSync(only, { recursive: true, force: true });
    }
  });
});
