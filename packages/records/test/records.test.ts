import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigSchema } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { RecordCsvWriter, RecordReader, loadRecordSamples, parseAddress, parseNumber, parseProtocol, parseTimestamp, readRecordSchema } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'records-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
async function all(reader: RecordReader) {
  const out = [];
  for await (const r of reader.rows()) out.push(r);
  return out;
}

const NETSHARE = 'srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,label,type\n';

describe('values', () => {
  it('reads addresses, protocols, times and scaled counts', () => {
    expect(parseAddress('3232235777')).toEqual({ address: '192.168.1.1', integer: true });
    expect(parseAddress('10.0.0.1')).toEqual({ address: '10.0.0.1', integer: false });
    expect(parseAddress('10.0.0.300')).toBeUndefined();
    expect(parseProtocol('TCP')).toBe(6);
    expect(parseProtocol(' udp ')).toBe(17);
    expect(parseProtocol('47')).toBe(47);
    expect(parseProtocol('FOO')).toBeUndefined();
    expect(parseNumber('1.5 M')).toBe(1.5e6);
    expect(parseTimestamp('1500000000123456')!.seconds).toBeCloseTo(1500000000.123456, 6);
    expect(parseTimestamp('2017-03-15 00:01:16.632')).toEqual({ seconds: Date.UTC(2017, 2, 15, 0, 1, 16, 632) / 1000, format: 'datetime' });
    // A number's unit from its size (epoch seconds, milliseconds, microseconds), or the file's.
    expect(parseTimestamp('1458000000.0')).toEqual({ seconds: 1458000000, format: 'seconds', fraction: { digits: 1, zeros: true } });
    expect(parseTimestamp('1458000000250')).toEqual({ seconds: 1458000000.25, format: 'milliseconds' });
    expect(parseTimestamp('1458000000250000.0')!.format).toBe('microseconds');
    expect(parseTimestamp('2500000')).toEqual({ seconds: 2.5, format: 'microseconds' });
    expect(parseTimestamp('1458000000', 'microseconds')!.seconds).toBe(1458);
  });
});

describe('reader and writer', () => {
  it('streams NetShare rows and writes them back byte for byte in the same schema', async () => {
    const text = `${NETSHARE}3232235777,167772161,51000,443,TCP,1500000000123456,1.25,10,5000,0,benign\n3232235778,167772162,5353,53,UDP,1500000001000000,0,1,80,1,dos\n`;
    const p = file('ns.csv', text);
    const reader = new RecordReader(p);
    const rows = await all(reader);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.record).toEqual({
      srcip: '192.168.1.1',
      dstip: '10.0.0.1',
      srcport: 51000,
      dstport: 443,
      proto: 6,
      ts: 1500000000.123456,
      td: 1.25,
      pkt: 10,
      byt: 5000,
    });
    expect(rows[1]!.line).toBe(3);
    expect(reader.schema!.formats).toEqual({ address: 'integer', proto: 'name', ts: 'microseconds' });
    const out = join(dir, 'out.csv');
    const w = await RecordCsvWriter.create(out, reader.schema!);
    for (const r of rows) await w.write(r.record, r.row);
    await w.close();
    expect(readFileSync(out, 'utf8')).toBe(text);
    await expect(RecordCsvWriter.create(out, reader.schema!)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
  });

  it("keeps a time column's unit and fraction: UGR16-style seconds with .0, float microseconds", async () => {
    const header = 'srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt,type\n';
    for (const [ts, later, seconds] of [
      ['1458000000.0', '1458000007.0', 1458000007],
      ['1458000000123456.0', '1458000000623456.0', 1458000000.623456],
      ['1458000000.125', '1458000001.500', 1458000001.5],
    ] as const) {
      const text = `${header}3232235777,167772161,51000,443,TCP,${ts},1.25,10,5000,benign\n3232235778,167772162,5353,53,UDP,${later},0,1,80,dos\n`;
      const p = file('ugr16.csv', text);
      const reader = new RecordReader(p);
      const rows = await all(reader);
      expect(rows[1]!.record.ts).toBeCloseTo(seconds, 6);
      const out = join(dir, 'ugr16.out.csv');
      const w = await RecordCsvWriter.create(out, reader.schema!, { force: true });
      for (const r of rows) await w.write(r.record, r.row);
      // A synthetic start between whole units is written in the file's resolution.
      await w.write({ ...rows[0]!.record, ts: rows[0]!.record.ts + 0.4 }, rows[0]!.row);
      await w.close();
      const written = readFileSync(out, 'utf8').trimEnd().split('\n');
      expect(written.slice(0, 3).join('\n')).toBe(text.trimEnd());
      expect(written[3]!.split(',')[5]).toBe(ts.endsWith('456.0') ? '1458000000523456.0' : ts.endsWith('.0') ? '1458000000.0' : '1458000000.525');
    }
  });

  it('maps CIDDS-style columns and keeps their order and formats', async () => {
    const text =
      'Date first seen,Duration,Proto,Src IP Addr,Src Pt,Dst IP Addr,Dst Pt,Packets,Bytes,class\n2017-03-15 00:01:16.632,0.000,TCP  ,192.168.100.5,445,192.168.220.16,58844,1,108,normal\n';
    const p = file('cidds.csv', text);
    const columns = {
      ts: 'Date first seen',
      td: 'Duration',
      proto: 'Proto',
      srcip: 'Src IP Addr',
      srcport: 'Src Pt',
      dstip: 'Dst IP Addr',
      dstport: 'Dst Pt',
      pkt: 'Packets',
      byt: 'Bytes',
    };
    const schema = await readRecordSchema(p, { columns });
    expect(schema.header[0]).toBe('Date first seen');
    expect(schema.formats.ts).toBe('datetime');
    const [row] = await all(new RecordReader(p, { columns }));
    expect(row!.record).toMatchObject({ srcip: '192.168.100.5', dstport: 58844, proto: 6, pkt: 1, byt: 108 });
  });

  it('names file, line and column of a malformed row', async () => {
    const p = file('bad.csv', `${NETSHARE}10.0.0.1,10.0.0.2,1,2,TCP,1,0,1,40,0,a\n10.0.0.1,10.0.0.2,99999,2,TCP,1,0,1,40,0,a\n`);
    await expect(all(new RecordReader(p))).rejects.toMatchObject({ code: 'RECORD_FORMAT', file: p, line: 3, column: 'srcport' });
    const short = file('short.csv', `${NETSHARE}10.0.0.1,10.0.0.2,1,2\n`);
    await expect(all(new RecordReader(short))).rejects.toMatchObject({ code: 'RECORD_FORMAT', line: 2 });
    const missing = file('missing.csv', 'a,b\n1,2\n');
    await expect(all(new RecordReader(missing))).rejects.toMatchObject({ code: 'CONFIG', configPath: 'input.recordColumns.srcip' });
  });
});

describe('loadRecordSamples', () => {
  it('labels from a column, caps each label by a seeded reservoir, and sorts by label then line', async () => {
    const lines = Array.from(
      { length: 50 },
      (_, i) => `10.0.0.${i},10.0.1.1,${1000 + i},80,TCP,${1e15 + i * 1e6},1,${(i % 5) + 1},${100 * (i + 1)},0,${i % 2 ? 'b' : 'a'}`,
    );
    file('many.csv', `${NETSHARE}${lines.join('\n')}\n`);
    const input = runConfigSchema.parse({
      input: { records: ['many.csv'], labels: { from: 'column', column: 'type' }, flows: { maxSamplesPerLabel: 10, minPackets: 2 } },
    }).input;
    const a = await loadRecordSamples(input, dir, { seed: 1 });
    const b = await loadRecordSamples(input, dir, { seed: 1 });
    expect(a.samples.map((s) => s.id)).toEqual(b.samples.map((s) => s.id));
    expect(a.samples.filter((s) => s.label === 'a')).toHaveLength(10);
    expect(a.samples.every((s) => s.flow.record!.pkt >= 2 && s.flow.packets.length === 0)).toBe(true);
    expect(a.samples[0]!.label).toBe('a');
    expect(a.schema.header.at(-1)).toBe('type');
  });

  it('config: records or captures, exactly one', () => {
    expect(runConfigSchema.safeParse({ input: {} }).success).toBe(false);
    expect(runConfigSchema.safeParse({ input: { captures: ['x'], records: ['y'] } }).success).toBe(false);
    expect(runConfigSchema.safeParse({ input: { records: ['y'], labels: { from: 'column' } } }).success).toBe(false);
  });
});
