/** Version, IHL and IPv4 options. */
import { IPV4, type Finding, type PacketDraft, type PacketRule, type PacketView } from '@netsynth/protocol-rules';
import type { Ipv4Context } from '../context.js';

export const versionRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.version',
  description: 'An IPv4 header carries version 4 (raw-IP packets whose version nibble is neither 4 nor 6 count as broken IPv4).',
  applies: (v) => v.ipv4 !== undefined || v.badRawVersion,
  check(v) {
    if (v.badRawVersion) return [{ field: 'ipv4.version', message: `version nibble ${(v.packet.data[0] ?? 0) >> 4} on a raw-IP packet (expected 4)` }];
    if (v.ipv4 && v.ipv4.version !== 4) return [{ field: 'ipv4.version', message: `version ${v.ipv4.version} in an IPv4 header` }];
    return [];
  },
  repair(draft) {
    draft.set('ipv4.version', draft.view.ipOffset ?? 0, IPV4.version, 4, 'IPv4 header must say version 4');
  },
};

/** Header length in bytes the datagram can actually hold. */
function roomForHeader(v: PacketView): number {
  const ip = v.ipv4;
  if (!ip) return 0;
  const declared = ip.totalLength >= 20 ? ip.totalLength : v.wireIpLength;
  return Math.min(declared, v.wireIpLength);
}

export const ihlRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.ihl',
  description: 'IHL is at least 5 and the header it declares fits inside the datagram.',
  applies: (v) => v.ipv4 !== undefined && v.ipv4.version === 4,
  check(v) {
    const ip = v.ipv4;
    if (!ip) return [];
    if (ip.ihl < 5) return [{ field: 'ipv4.ihl', message: `IHL ${ip.ihl} < 5` }];
    const room = roomForHeader(v);
    if (ip.ihl * 4 > room) return [{ field: 'ipv4.ihl', message: `IHL ${ip.ihl} declares a ${ip.ihl * 4}-byte header but the datagram has ${room} bytes` }];
    return [];
  },
  repair(draft) {
    // The bytes past 20 cannot be told apart from payload: treat them as payload.
    draft.set('ipv4.ihl', draft.view.ipOffset ?? 0, IPV4.ihl, 5, 'IHL must cover exactly the header present: no options');
  },
};

/** IANA IPv4 option types (copied flag included), RFC 791 and later. */
const KNOWN_IP_OPTIONS = new Set([
  0, 1, 7, 10, 11, 12, 15, 25, 30, 68, 82, 94, 130, 131, 133, 134, 136, 137, 142, 144, 145, 147, 148, 149, 150, 151, 152, 158, 205, 222,
]);
const FIXED_IP_OPTION_LENGTHS = new Map([
  [148, 4], // router alert
  [136, 4], // stream id
  [82, 12], // traceroute
]);

export function ipOptionProblems(options: Uint8Array): Finding[] {
  const out: Finding[] = [];
  let i = 0;
  while (i < options.length) {
    const type = options[i] ?? 0;
    if (type === 0) {
      for (let j = i + 1; j < options.length; j++) {
        if ((options[j] ?? 0) !== 0) {
          out.push({ field: 'ipv4.options', message: `non-zero padding after end-of-options at option byte ${j}` });
          break;
        }
      }
      return out;
    }
    if (type === 1) {
      i++;
      continue;
    }
    if (!KNOWN_IP_OPTIONS.has(type)) {
      out.push({ field: 'ipv4.options', message: `unknown option type ${type} at option byte ${i}` });
      return out;
    }
    const length = options[i + 1];
    if (length === undefined || length < 2 || i + length > options.length) {
      out.push({ field: 'ipv4.options', message: `option ${type} at option byte ${i} has bad length ${length ?? 'missing'}` });
      return out;
    }
    const fixed = FIXED_IP_OPTION_LENGTHS.get(type);
    if (fixed !== undefined && length !== fixed) {
      out.push({ field: 'ipv4.options', message: `option ${type} has length ${length}, expected ${fixed}` });
      return out;
    }
    i += length;
  }
  return out;
}

export const optionsRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.options',
  description: 'IPv4 options are well-formed: known types, lengths inside the header, zero padding after end-of-options.',
  applies: (v) => v.ipv4 !== undefined && v.ipv4.ihl > 5 && !v.ipv4.truncated,
  check: (v) => (v.ipv4 ? ipOptionProblems(v.ipv4.options) : []),
  repair(draft, _findings, ctx) {
    const v = draft.view;
    const ip = v.ipv4;
    const o = v.ipOffset;
    if (!ip || o === undefined) return;
    const optionBytes = ip.ihl * 4 - 20;
    if (ctx.options.malformedOptions === 'nop') {
      draft.writeBytes('ipv4.options', 'ipv4.options', o + 20, new Uint8Array(optionBytes).fill(1), 'malformed options overwritten with NOPs');
      return;
    }
    draft.splice('ipv4.options', 'ipv4.options', o + 20, optionBytes, new Uint8Array(0), 'malformed options removed');
    draft.set('ipv4.options', o, IPV4.ihl, 5, 'options removed');
    if (ip.totalLength >= ip.ihl * 4) draft.set('ipv4.options', o, IPV4.totalLength, ip.totalLength - optionBytes, 'options removed');
  },
};

export function setIpv4Field(draft: PacketDraft, rule: string, field: typeof IPV4.ttl, value: number, reason: string): boolean {
  return draft.set(rule, draft.view.ipOffset ?? 0, field, value, reason);
}

export const minSizeRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.min_size',
  description: 'A whole (not snap-length-cut) frame holds at least a 20-byte IPv4 header.',
  applies: (v) => (v.ipv4 !== undefined || v.badRawVersion) && !v.cut,
  check: (v) => (v.wireIpLength < 20 ? [{ field: 'ipv4.total_length', message: `${v.wireIpLength} bytes cannot hold a 20-byte IPv4 header` }] : []),
  repair(draft) {
    const v = draft.view;
    const o = v.ipOffset ?? 0;
    const missing = 20 - (draft.bytes.length - o);
    if (missing <= 0) return;
    draft.splice('ipv4.min_size', 'ipv4.header', draft.bytes.length, 0, new Uint8Array(missing), `frame grown by ${missing} zero bytes to hold an IPv4 header`);
    draft.setOriginalLength('ipv4.min_size', draft.bytes.length, 'frame grown to hold an IPv4 header');
  },
};
