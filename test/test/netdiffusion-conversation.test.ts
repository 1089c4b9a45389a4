import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, HAVE_SHARED, HAVE_TSHARK, SHARED, exec, netsynth } from '../src/env.js';

/**
 * One conversation per generated sample: NetDiffusion's generated_netflix_5.png imitates one TCP
 * connection. `decode --rows repair` (default `--conversation sample`, nothing learned) then
 * `check --strict --repair` must give tshark exactly one TCP conversation opening with a SYN,
 * with no expert error and no bad checksum. `--conversation row` (each row its own 5-tuple) is
 * kept as an option and measured beside it.
 */
const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

async function tshark(file: string, args: readonly string[]): Promise<string> {
  const r = await exec('tshark', ['-n', '-r', file, ...CHECKSUMS, ...args]);
  if (r.code !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  return r.stdout;
}
const lines = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '');
const count = async (file: string, filter: string): Promise<number> => lines(await tshark(file, ['-Y', filter, '-T', 'fields', '-e', 'frame.number'])).length;
const conversations = async (file: string): Promise<number> => lines(await tshark(file, ['-q', '-z', 'conv,tcp'])).filter((l) => l.includes('<->')).length;

describe.skipIf(!HAVE_SHARED || !HAVE_CLI || !HAVE_TSHARK)(
  'generated_netflix_5.png → decode --rows repair → check --strict --repair: one TCP conversation',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'netsynth-conv-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const png = join(SHARED, 'netdiffusion', 'generated_netflix_5.png');

    async function decodeAndRepair(conversation: 'sample' | 'row'): Promise<{ file: string; plan: unknown }> {
      const rows = join(dir, `rows-${conversation}.pcap`);
      const dec = await netsynth(['decode', png, '--encoder', 'nprint', '--rows', 'repair', '--conversation', conversation, '--out', rows, '--json']);
      expect(dec.stderr).toBe('');
      expect(dec.code).toBe(0);
      const summary = (JSON.parse(dec.stdout) as { reports: { rowRepair: { conversation: unknown } }[] }).reports[0]?.rowRepair;
      const file = join(dir, `repaired-${conversation}.pcap`);
      const rep = await netsynth(['check', rows, '--rules', 'ipv4,tcp,udp,icmp,flow', '--strict', '--repair', file, '--json']);
      expect(rep.code).toBe(0);
      expect((JSON.parse(rep.stdout) as { after: { total: number } }).after.total).toBe(0);
      return { file, plan: summary?.conversation };
    }

    it('exactly one TCP conversation, the first packet a SYN, 0 expert errors, 0 bad checksums (per-row decoding: hundreds)', async () => {
      const one = await decodeAndRepair('sample');
      expect(one.plan).toMatchObject({ mode: 'sample', transport: 'tcp', handshake: true });
      expect(await conversations(one.file)).toBe(1);
      expect(lines(await tshark(one.file, ['-T', 'fields', '-e', 'tcp.stream'])).every((s) => s === '0')).toBe(true);
      expect(lines(await tshark(one.file, ['-c', '1', '-T', 'fields', '-e', 'tcp.flags']))).toEqual(['0x0002']);
      expect(await count(one.file, '_ws.expert.severity == error')).toBe(0);
      expect(await count(one.file, '_ws.malformed')).toBe(0);
      expect(await count(one.file, 'ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0')).toBe(0);

      const perRow = await decodeAndRepair('row');
      expect(perRow.plan).toEqual({ mode: 'row' });
      const many = await conversations(perRow.file);
      expect(many).toBeGreaterThan(100);
      console.log(
        `generated_netflix_5.png: TCP conversations ${many} (--conversation row) → 1 (--conversation sample); ` +
          `SYNs ${await count(perRow.file, 'tcp.flags.syn == 1')} → ${await count(one.file, 'tcp.flags.syn == 1')}; ` +
          `expert warnings ${await count(perRow.file, '_ws.expert.severity == warning')} → ${await count(one.file, '_ws.expert.severity == warning')}; plan ${JSON.stringify(one.plan)}`,
      );
    }, 300_000);
  },
);
