import { LinkType, type Packet } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { ipLength } from '../src/index.js';

/** IPv4 header + 8 transport bytes on a raw-IP link, with the given total-length field. */
function rawIpv4(totalLengthField: number, wireBytes: number): Packet {
  const data = new Uint8Array(wireBytes);
  data[0] = 0x45;
  data[2] = totalLengthField >> 8;
  data[3] = totalLengthField & 0xff;
  data[9] = 1;
  return { timestampNs: 0n, capturedLength: wireBytes, originalLength: wireBytes, linkType: LinkType.RAW, data };
}

describe('ipLength', () => {
  it('reads the IPv4 total-length field', () => {
    expect(ipLength(rawIpv4(60, 28))).toBe(60);
  });

  it('counts the wire bytes when the field is below the header length (0 under segmentation offload), as Wireshark does', () => {
    expect(ipLength(rawIpv4(0, 28))).toBe(28);
    expect(ipLength(rawIpv4(12, 40))).toBe(40);
  });
});
