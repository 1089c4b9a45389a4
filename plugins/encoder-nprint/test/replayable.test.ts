import { readCaptureAll } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { readNprintCsv } from '../src/csv.js';
import { rowsToPackets } from '../src/rows.js';

const HAVE_SHARED = haveShared('@netsynth/encoder-nprint data tests');

/**
 * replayable_netflix_5.pcap is nprint's reverse mode of a repaired CSV, but not of the
 * stored replayable_netflix_5.nprint: the random repairs (IP ID, addresses, ports, sequence
 * numbers, even TCP flags) were drawn again. What both share — version, IHL, TOS, total
 * length, protocol, hence every packet's length — must agree with our reverse mode.
 */
describe.skipIf(!HAVE_SHARED)('replayable_netflix_5: our reverse mode against nprint’s', () => {
  it('same packet count, lengths (from the IP length field) and length fields', async () => {
    const table = await readNprintCsv(sharedPath('netdiffusion', 'replayable_netflix_5.nprint'));
    const ours = rowsToPackets(table);
    const theirs = (await readCaptureAll(sharedPath('netdiffusion', 'replayable_netflix_5.pcap'))).packets;
    expect(ours.problems).toEqual([]);
    expect(theirs.every((p) => p.linkType === 101 && p.timestampNs === 0n)).toBe(true);
    expect(ours.packets).toHaveLength(theirs.length);
    const fixed = (d: Uint8Array): number[] => [0, 1, 2, 3, 9].map((i) => d[i] as number);
    ours.packets.forEach((mine, k) => {
      const ref = theirs[k] as (typeof theirs)[number];
      expect(mine.data.length).toBe(ref.data.length);
      expect(fixed(mine.data)).toEqual(fixed(ref.data));
      const ihl = ((mine.data[0] as number) & 15) * 4;
      const header = ihl + ((mine.data[ihl + 12] as number) >> 4) * 4;
      expect(mine.data.subarray(header).every((b) => b === 0)).toBe(true);
    });
  });
});
