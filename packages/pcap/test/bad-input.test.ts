import { afterAll, describe, expect, it } from 'vitest';
import { PcapFormatError, PcapTruncatedError, isNetsynthError } from '@netsynth/core';
import { readCaptureAll, type CaptureWarning } from '../src/index.js';
import { PcapngBuilder, concat, ethernet, ipv4, pcapFile, tempDir, udp } from './builders.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const frame = (n: number): Uint8Array => ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1, 2, new Uint8Array(n)) }));
const records = [0, 1, 2].map((i) => ({ sec: 100 + i, frac: 0, data: frame(10 + i) }));
const goodPcap = pcapFile({ linkType: 1, records });
const recordSize = (i: number): number => 16 + frame(10 + i).length;

async function expectError(
  name: string,
  data: Uint8Array,
  type: typeof PcapFormatError | typeof PcapTruncatedError,
  offset: number,
  message: RegExp,
): Promise<void> {
  const file = tmp.file(name, data);
  const err: unknown = await readCaptureAll(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  if (!isNetsynthError(err)) return;
  expect(err.file).toBe(file);
  expect(err.offset).toBe(offset);
  expect(err.message).toMatch(message);
  expect(err.message).toContain(file);
}

async function expectWarning(name: string, data: Uint8Array, packets: number, offset: number, message: RegExp): Promise<void> {
  const file = tmp.file(name, data);
  const seen: CaptureWarning[] = [];
  const r = await readCaptureAll(file, { onWarning: (w) => seen.push(w) });
  expect(r.packets).toHaveLength(packets);
  expect(r.warnings).toHaveLength(1);
  expect(seen).toEqual(r.warnings);
  expect(r.warnings[0]).toMatchObject({ file, offset });
  expect(r.warnings[0]?.message).toMatch(message);
}

describe('bad pcap files', () => {
  it('empty, too short for the header, wrong magic', async () => {
    await expectError('empty.pcap', new Uint8Array(0), PcapTruncatedError, 0, /empty/);
    await expectError('short.pcap', goodPcap.slice(0, 3), PcapTruncatedError, 0, /only 3 bytes/);
    await expectError('header.pcap', goodPcap.slice(0, 20), PcapTruncatedError, 0, /24-byte pcap file header/);
    await expectError(
      'magic.pcap',
      concat(new TextEncoder().encode('GIF89a'), goodPcap.slice(6)),
      PcapFormatError,
      0,
      /not a pcap or pcapng file \(magic 0x47494638\)$/,
    );
  });

  it('a gzip-compressed capture is named as such', async () => {
    const { gzipSync } = await import('node:zlib');
    await expectError('web.pcap.gz', gzipSync(goodPcap), PcapFormatError, 0, /magic 0x1f8b\w*\): a gzip-compressed file; decompress it first/);
  });

  it('damage in the first record is an error', async () => {
    await expectError('rec-header.pcap', goodPcap.slice(0, 24 + 10), PcapTruncatedError, 24, /inside a packet record header/);
    await expectError('rec-data.pcap', goodPcap.slice(0, 24 + 20), PcapTruncatedError, 24, /inside packet data/);
    const oversized = pcapFile({ linkType: 1, snapLength: 40, records: [{ sec: 1, frac: 0, data: frame(20) }] });
    await expectError('snaplen.pcap', oversized, PcapFormatError, 24, /captured length \d+ exceeds the file's snap length 40/);
    const huge = pcapFile({ linkType: 1, snapLength: 0, records: [{ sec: 1, frac: 0, data: frame(1), capturedLength: 0x20000000 }] });
    await expectError('huge.pcap', huge, PcapFormatError, 24, /more than 256 MiB/);
  });

  it('damage after the first packets keeps them and warns', async () => {
    const third = 24 + recordSize(0) + recordSize(1);
    await expectWarning('cut-late.pcap', goodPcap.slice(0, goodPcap.length - 5), 2, third, /inside packet data/);
    await expectWarning('cut-header-late.pcap', goodPcap.slice(0, third + 7), 2, third, /inside a packet record header/);
    const bad = goodPcap.slice();
    new DataView(bad.buffer).setUint32(third + 8, 0x7fffffff, true);
    await expectWarning('bad-len-late.pcap', bad, 2, third, /256 MiB/);
  });
});

describe('bad pcapng files', () => {
  const ng = (): PcapngBuilder => new PcapngBuilder().shb().idb({ linkType: 1, snapLength: 100 });
  const good = ng().epb(0, 1n, frame(1)).epb(0, 2n, frame(2)).build();
  const shbLen = 28;
  const idbLen = 20;
  const firstEpb = shbLen + idbLen;

  it('a block whose length runs past the end', async () => {
    await expectError('ng-cut.pcapng', good.slice(0, firstEpb + 20), PcapTruncatedError, firstEpb, /runs past the end of the file/);
  });

  it('a block length that is not a multiple of 4 or too small', async () => {
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(firstEpb + 4, 70, true);
    await expectError('ng-mult4.pcapng', bad, PcapFormatError, firstEpb, /not a multiple of 4/);
    new DataView(bad.buffer).setUint32(firstEpb + 4, 8, true);
    await expectError('ng-small.pcapng', bad, PcapFormatError, firstEpb, /too small/);
  });

  it('an SHB whose trailer does not match its length', async () => {
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(shbLen - 4, 32, true);
    await expectError('ng-trailer.pcapng', bad, PcapFormatError, shbLen - 4, /trailer length 32 does not match its header length 28/);
  });

  it('a bad byte-order magic, a packet before any interface, caplen over the snap length', async () => {
    const bom = good.slice();
    bom[8] = 0x99;
    await expectError('ng-bom.pcapng', bom, PcapFormatError, 8, /byte-order magic/);
    const noIdb = new PcapngBuilder().shb().epb(0, 1n, frame(1)).build();
    await expectError('ng-noidb.pcapng', noIdb, PcapFormatError, shbLen, /interface 0 but the section describes 0/);
    const overSnap = new PcapngBuilder().shb().idb({ linkType: 1, snapLength: 30 }).epb(0, 1n, frame(30)).build();
    await expectError('ng-snap.pcapng', overSnap, PcapFormatError, firstEpb, /exceeds the interface snap length 30/);
  });

  it('damage after the first packet is a warning', async () => {
    const secondEpb = firstEpb + 32 + ((frame(1).length + 3) & ~3);
    await expectWarning('ng-late.pcapng', good.slice(0, good.length - 4), 1, secondEpb, /runs past the end/);
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(good.length - 4, 12, true);
    await expectWarning('ng-late-trailer.pcapng', bad, 1, good.length - 4, /trailer/);
  });

  it('trailing junk too short for a block header after packets is a warning', async () => {
    await expectWarning('ng-junk.pcapng', concat(good, new Uint8Array(5)), 2, good.length, /inside a block header/);
  });
});

describe('unreadable paths', () => {
  it('a missing file is a PcapFormatError naming it', async () => {
    const path = tmp.file('does-not-exist.pcap');
    await expect(readCaptureAll(path)).rejects.toMatchObject({ code: 'PCAP_FORMAT', file: path, offset: 0 });
  });
});
