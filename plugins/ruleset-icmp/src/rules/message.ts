/** ICMP message rules: size, type/code, fixed sizes, quoted datagram of errors, checksum. */
import {
  bitDistance,
  hex16,
  ICMP,
  minHeaderRule,
  resizeDatagram,
  transportBytes,
  transportVerdict,
  type Finding,
  type PacketDraft,
  type PacketRule,
  type PacketView,
} from '@netsynth/protocol-rules';
import type { IcmpContext } from '../context.js';
import { ICMP_CODES, ICMP_DEPRECATED_CODES, ICMP_ERROR_TYPES, ICMP_FIXED_SIZES, ICMPV6_CODES } from '../types.js';

/** Bytes of the ICMP message as declared (IP payload); undefined when not ICMP or a later fragment. */
export function icmpMessageBytes(v: PacketView): number | undefined {
  return transportBytes(v, v.ipv4 ? 1 : 58);
}

const isV6 = (v: PacketView): boolean => v.icmp?.kind === 'icmpv6';
const whole = (v: PacketView): boolean => !(v.ipv4?.moreFragments ?? false);

export function knownCodes(v6: boolean, type: number, allowDeprecated: boolean): readonly number[] | undefined | null {
  if (v6) return ICMPV6_CODES.has(type) ? ICMPV6_CODES.get(type) : null;
  return ICMP_CODES.get(type) ?? (allowDeprecated ? ICMP_DEPRECATED_CODES.get(type) : undefined) ?? null;
}

export const minSizeRule: PacketRule<IcmpContext> = minHeaderRule('icmp', 8, icmpMessageBytes, 'An ICMP message holds at least its 8-byte header.');

export const typeCodeRule: PacketRule<IcmpContext> = {
  name: 'icmp.type_code',
  description: 'Type and code form a pair the IANA registry defines.',
  applies: (v) => v.icmp !== undefined && !v.icmp.truncated,
  check(v, ctx) {
    const m = v.icmp;
    if (!m) return [];
    const codes = knownCodes(isV6(v), m.type, ctx.options.allowDeprecatedTypes);
    if (codes === null) return [{ field: `${m.kind}.type`, message: `unknown ${m.kind} type ${m.type}` }];
    if (codes !== undefined && !codes.includes(m.code))
      return [{ field: `${m.kind}.code`, message: `code ${m.code} is not defined for ${m.kind} type ${m.type}` }];
    return [];
  },
  repair(draft, findings, ctx) {
    const m = draft.view.icmp;
    if (!m) return;
    const v6 = isV6(draft.view);
    const learned = ctx.values.hist((p) => p.icmpTypeCode);
    if (findings.some((f) => f.field.endsWith('.type'))) {
      // Nearest learned known pair by flipped bits in type and code.
      const pick = learned.closest(
        (k) => {
          const [t, c] = k.split('/').map(Number);
          return bitDistance(t ?? 0, m.type, 8) + bitDistance(c ?? 0, m.code, 8);
        },
        (k) => {
          const [t, c] = k.split('/').map(Number);
          const codes = knownCodes(v6, t ?? -1, ctx.options.allowDeprecatedTypes);
          return codes !== null && (codes === undefined || codes.includes(c ?? -1));
        },
      );
      const [t, c] = (pick ?? (v6 ? '128/0' : '8/0')).split('/').map(Number);
      draft.set('icmp.type_code', m.offset, ICMP.type, t ?? 8, 'unknown type: nearest learned type/code pair');
      draft.set('icmp.type_code', m.offset, ICMP.code, c ?? 0, 'unknown type: nearest learned type/code pair');
      return;
    }
    const codes = knownCodes(v6, m.type, ctx.options.allowDeprecatedTypes) ?? [0];
    const learnedCode = learned.closest(
      (k) => bitDistance(Number(k.split('/')[1]), m.code, 8),
      (k) => Number(k.split('/')[0]) === m.type && (codes?.includes(Number(k.split('/')[1])) ?? true),
    );
    const code =
      learnedCode !== undefined
        ? Number(learnedCode.split('/')[1])
        : (codes?.reduce((b, c) => (bitDistance(c, m.code, 8) < bitDistance(b, m.code, 8) ? c : b)) ?? 0);
    draft.set('icmp.type_code', m.offset, ICMP.code, code, `code not defined for type ${m.type}: nearest defined code`);
  },
};

export const fixedSizeRule: PacketRule<IcmpContext> = {
  name: 'icmp.size',
  description: 'Fixed-size messages have their size (timestamp 20 bytes, address mask 12).',
  applies: (v) => v.icmp?.kind === 'icmp' && whole(v) && ICMP_FIXED_SIZES.has(v.icmp.type),
  check(v) {
    const want = ICMP_FIXED_SIZES.get(v.icmp?.type ?? -1);
    const n = icmpMessageBytes(v);
    return want === undefined || n === want ? [] : [{ field: 'icmp.length', message: `type ${v.icmp?.type} message of ${n} bytes, expected ${want}` }];
  },
  repair(draft) {
    const v = draft.view;
    const want = ICMP_FIXED_SIZES.get(v.icmp?.type ?? -1);
    if (want !== undefined && v.ipv4) resizeDatagram(draft, 'icmp.size', v.ipv4.ihl * 4 + want, `type ${v.icmp?.type} has a fixed size`);
  },
};

/** Problems of the datagram an ICMPv4 error quotes (RFC 792: its IP header + 8 bytes). */
export function quoteFindings(v: PacketView): Finding[] {
  const m = v.icmp;
  const n = icmpMessageBytes(v);
  if (!m || n === undefined || v.ipOffset === undefined || !v.ipv4) return [];
  const start = m.offset + 8;
  const d = v.packet.data;
  const quoted = n - 8;
  if (quoted < 28) return [{ field: 'icmp.quoted', message: `error quotes ${quoted} bytes; an IP header and 8 bytes (28+) are required` }];
  if (start + 20 > d.length) return []; // quote not captured: nothing more to check
  const b0 = d[start] ?? 0;
  if (b0 >> 4 !== 4) return [{ field: 'icmp.quoted', message: `quoted datagram has IP version ${b0 >> 4}` }];
  const ihl = b0 & 0x0f;
  if (ihl < 5 || ihl * 4 + 8 > quoted)
    return [{ field: 'icmp.quoted', message: `quoted IHL ${ihl} does not fit ${quoted} quoted bytes with 8 bytes of payload` }];
  return [];
}

/** A quote for an error: the latest earlier datagram the error's destination sent, or a synthetic one. */
function buildQuote(draft: PacketDraft, ctx: IcmpContext): Uint8Array {
  const v = draft.view;
  const outer = v.ipv4;
  for (let i = v.index - 1; i >= 0 && outer; i--) {
    const p = ctx.views[i];
    if (!p?.ipv4 || p.ipOffset === undefined || p.ipv4.src !== outer.dst || p.ipv4.ihl < 5) continue;
    const len = p.ipv4.ihl * 4 + 8;
    if (p.ipOffset + len > p.packet.data.length) continue;
    return p.packet.data.slice(p.ipOffset, p.ipOffset + len);
  }
  // Nothing to quote in the sample: a UDP probe from the error's destination (what traceroute sends).
  const q = new Uint8Array(28);
  q.set([0x45, 0, 0, 28, 0, 0, 0, 0, 1, 17], 0);
  if (outer) {
    q.set(v.packet.data.slice((v.ipOffset ?? 0) + 16, (v.ipOffset ?? 0) + 20), 12);
    q.set(v.packet.data.slice((v.ipOffset ?? 0) + 12, (v.ipOffset ?? 0) + 16), 16);
  }
  q.set([0x82, 0x9a, 0x82, 0x9a, 0, 8, 0, 0], 20);
  return q;
}

export const quotedRule: PacketRule<IcmpContext> = {
  name: 'icmp.quoted',
  description:
    'Error messages (unreachable, source quench, redirect, time exceeded, parameter problem) quote an IPv4 header plus at least 8 bytes of the offending datagram.',
  applies: (v) => v.icmp?.kind === 'icmp' && whole(v) && ICMP_ERROR_TYPES.has(v.icmp.type),
  check: quoteFindings,
  repair(draft, _f, ctx) {
    const v = draft.view;
    const m = v.icmp;
    if (!m || !v.ipv4) return;
    const quote = buildQuote(draft, ctx);
    resizeDatagram(draft, 'icmp.quoted', v.ipv4.ihl * 4 + 8 + quote.length, 'error message resized to its quote');
    const mm = draft.view.icmp;
    if (mm)
      draft.writeBytes('icmp.quoted', 'icmp.quoted', mm.offset + 8, quote, "quote replaced by the header + 8 bytes of a datagram the error's destination sent");
  },
};

export const checksumRule: PacketRule<IcmpContext> = {
  name: 'icmp.checksum',
  description: 'The checksum over the whole message verifies (ICMPv6: with its pseudo-header); skipped when the snap length cut the message.',
  applies: (v) => v.icmp !== undefined,
  check(v) {
    const verdict = transportVerdict(v);
    if (verdict?.state !== 'bad') return [];
    const kind = v.icmp?.kind ?? 'icmp';
    return [
      {
        field: `${kind}.checksum`,
        message: `checksum ${hex16(verdict.stored)}${verdict.expected === undefined ? '' : `, should be ${hex16(verdict.expected)}`}`,
      },
    ];
  },
  repair(draft) {
    const verdict = transportVerdict(draft.view);
    const m = draft.view.icmp;
    if (m && verdict?.expected !== undefined) draft.set('icmp.checksum', m.offset, ICMP.checksum, verdict.expected, 'checksum recomputed', hex16);
  },
};
