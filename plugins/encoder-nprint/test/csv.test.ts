import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNetsynthError } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { formatNprintCsv, parseNprintCsv, readNprintCsv, writeNprintCsv } from '../src/csv.js';

const header = 'src_ip,rts,ipv4_ver_0,ipv4_ver_1,udp_len_3';

function offsetOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (isNetsynthError(e)) return e.offset;
    throw e;
  }
  return undefined;
}

describe('nPrint CSV', () => {
  it('reads the index, extra columns and cells, and writes the same text back', () => {
    const text = `${header}\n10.0.0.1,0,0,1,-1\n::1,250,1,0,1\n`;
    const t = parseNprintCsv(text);
    expect(t.indexColumn).toBe('src_ip');
    expect(t.extraColumns).toEqual(['rts']);
    expect(t.columns).toEqual(['ipv4_ver_0', 'ipv4_ver_1', 'udp_len_3']);
    expect(t.index).toEqual(['10.0.0.1', '::1']);
    expect(t.extras).toEqual([['0'], ['250']]);
    expect(Array.from(t.bits)).toEqual([0, 1, -1, 1, 0, 1]);
    expect(formatNprintCsv(t)).toBe(text);
  });

  it('accepts CRLF and a missing final newline (written back with \\n)', () => {
    const t = parseNprintCsv('ipv4_ver_0,ipv4_ver_1\r\n1,0\r\n0,-1');
    expect(t.indexColumn).toBeNull();
    expect(t.rowCount).toBe(2);
    expect(formatNprintCsv(t)).toBe('ipv4_ver_0,ipv4_ver_1\n1,0\n0,-1\n');
  });

  it('reads a pandas-style unnamed index', () => {
    const t = parseNprintCsv(',tcp_syn_0\n0,1\n1,-1\n');
    expect(t.indexColumn).toBe('');
    expect(t.index).toEqual(['0', '1']);
    expect(formatNprintCsv(t)).toBe(',tcp_syn_0\n0,1\n1,-1\n');
  });

  it('names the byte offset of a bad cell, a short or long row, an unknown column', () => {
    const body = `${header}\n`;
    expect(offsetOf(() => parseNprintCsv(`${body}1.2.3.4,0,0,2,1\n`))).toBe(body.length + 12);
    expect(offsetOf(() => parseNprintCsv(`${body}1.2.3.4,0,0,1\n`))).toBe(body.length + 12);
    expect(offsetOf(() => parseNprintCsv(`${body}1.2.3.4,0,0,1,1,1\n`))).toBe(body.length + 15);
    expect(offsetOf(() => parseNprintCsv(`${body}1.2.3.4,0,0,1,-\n`))).toBe(body.length + 14);
    expect(offsetOf(() => parseNprintCsv('src_ip,ipv4_ver_0,tcp_bogus_0\n'))).toBe(18);
    expect(offsetOf(() => parseNprintCsv('src_ip,ipv4_ver_0,ipv4_ver_0\n'))).toBe(18);
    expect(offsetOf(() => parseNprintCsv(`${body}\n1.2.3.4,0,0,1,1\n`))).toBe(body.length);
  });

  it('writes atomically and refuses to overwrite without force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nprint-csv-'));
    const path = join(dir, 'x.nprint');
    const t = parseNprintCsv('src_ip,ipv4_ver_0\n1.1.1.1,0\n');
    await writeNprintCsv(path, t);
    expect(readFileSync(path, 'utf8')).toBe('src_ip,ipv4_ver_0\n1.1.1.1,0\n');
    await expect(writeNprintCsv(path, t)).rejects.toThrow(/already exists/);
    writeFileSync(path, 'src_ip,ipv4_ver_0\n1.1.1.1,7\n');
    await expect(readNprintCsv(path)).rejects.toThrow(new RegExp(`${path}, offset 26`));
  });
});
