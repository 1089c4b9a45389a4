import { describe, expect, it } from 'vitest';
import {
  HEADER_BLOCK_BYTES,
  HEADER_FIELDS,
  buildLayout,
  isBitColumnName,
  NETDIFFUSION_IMAGE_COLUMNS,
  NPRINT_COLUMNS,
  selectionForColumns,
} from '../src/layout.js';

describe('nPrint column layout', () => {
  it('has NetDiffusion’s 1408 bit columns in nprint order', () => {
    expect(NPRINT_COLUMNS).toHaveLength(1408);
    expect(NPRINT_COLUMNS.slice(0, 5)).toEqual(['ipv4_ver_0', 'ipv4_ver_1', 'ipv4_ver_2', 'ipv4_ver_3', 'ipv4_hl_0']);
    expect(NPRINT_COLUMNS.indexOf('ipv6_ver_0')).toBe(480);
    expect(NPRINT_COLUMNS.indexOf('tcp_sprt_0')).toBe(800);
    expect(NPRINT_COLUMNS.indexOf('udp_sport_0')).toBe(1280);
    expect(NPRINT_COLUMNS.indexOf('icmp_type_0')).toBe(1344);
    expect(NPRINT_COLUMNS.at(-1)).toBe('icmp_roh_31');
    expect(NPRINT_COLUMNS.indexOf('ipv4_opt_319')).toBe(479);
    expect(NPRINT_COLUMNS.indexOf('tcp_opt_0')).toBe(800 + 160);
  });

  it('field widths add up to each block’s bytes', () => {
    for (const [key, fields] of Object.entries(HEADER_FIELDS)) {
      const bits = fields.reduce((n, f) => n + f.bits, 0);
      expect(bits).toBe(HEADER_BLOCK_BYTES[key as keyof typeof HEADER_BLOCK_BYTES] * 8);
    }
  });

  it('the image keeps 1088 columns: IPv4 416, IPv6 64, TCP 480, UDP 64, ICMP 64', () => {
    expect(NETDIFFUSION_IMAGE_COLUMNS).toHaveLength(1088);
    const count = (p: string): number => NETDIFFUSION_IMAGE_COLUMNS.filter((c) => c.startsWith(p)).length;
    expect([count('ipv4_'), count('ipv6_'), count('tcp_'), count('udp_'), count('icmp_')]).toEqual([416, 64, 480, 64, 64]);
    expect(NETDIFFUSION_IMAGE_COLUMNS.some((c) => /_(src|dst)_/.test(c))).toBe(false);
  });

  it('chooses headers and payload bytes', () => {
    const l = buildLayout({ ipv4: true, ipv6: false, tcp: false, udp: true, icmp: false, payloadBytes: 2 });
    expect(l.blocks.map((b) => [b.key, b.start, b.bits])).toEqual([
      ['ipv4', 0, 480],
      ['udp', 480, 64],
      ['payload', 544, 16],
    ]);
    expect(l.columns.at(-1)).toBe('payload_bit_15');
    expect(l.addressColumns).toHaveLength(64);
    expect(selectionForColumns(l.columns)).toEqual(l.selection);
  });

  it('recognises bit-column names', () => {
    expect(isBitColumnName('tcp_opt_319')).toBe(true);
    expect(isBitColumnName('tcp_opt_320')).toBe(false);
    expect(isBitColumnName('ipv6_src_127')).toBe(true);
    expect(isBitColumnName('payload_bit_9')).toBe(true);
    expect(isBitColumnName('src_ip')).toBe(false);
    expect(isBitColumnName('ipv4_foo_0')).toBe(false);
  });
});
