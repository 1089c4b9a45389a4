/**
 * Echo coherence across the sample: a reply answers a request the other side sent earlier
 * (same identifier and sequence number, same data); a requester's sequence numbers move
 * forward. Replies whose identifier was never requested in the sample are left alone — the
 * capture may have started after the request.
 */
import { ICMP, ipEnd, isFragment, type Finding, type PacketRule, type PacketView } from '@netsynth/protocol-rules';
import { echoKey, type EchoRequests, type IcmpContext } from '../context.js';

interface EchoFacts {
  request: boolean;
  id: number;
  seq: number;
  requester: string;
  responder: string;
  /** Data after the 8-byte header, when wholly captured. */
  payload: Uint8Array | undefined;
  payloadOffset: number;
}

export function echoFacts(v: PacketView): EchoFacts | undefined {
  const m = v.icmp;
  const ip = v.ipv4 ?? v.ipv6;
  if (!m || !ip || m.truncated) return undefined;
  const v6 = m.kind === 'icmpv6';
  const request = m.type === (v6 ? 128 : 8);
  const reply = m.type === (v6 ? 129 : 0);
  if ((!request && !reply) || m.code !== 0) return undefined;
  const end = ipEnd(v);
  const d = v.packet.data;
  // A fragmented message's data is spread over its fragments: not comparable here.
  const payload = end !== undefined && end <= d.length && !isFragment(v) ? d.slice(m.offset + 8, end) : undefined;
  return {
    request,
    id: m.restOfHeader >>> 16,
    seq: m.restOfHeader & 0xffff,
    requester: request ? ip.src : ip.dst,
    responder: request ? ip.dst : ip.src,
    payload,
    payloadOffset: m.offset + 8,
  };
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Forward distance from a to b in 16-bit sequence space. */
const ahead = (a: number, b: number): number => (b - a + 0x10000) % 0x10000;

export function echoFindings(v: PacketView, ctx: IcmpContext): Finding[] {
  const e = echoFacts(v);
  if (!e) return [];
  const seen = ctx.echo.get(echoKey(e.requester, e.responder, e.id));
  if (e.request) {
    if (!seen) return [];
    const step = ahead(seen.lastSeq, e.seq);
    if (step === 0 && seen.lastPayload && e.payload && !same(seen.lastPayload, e.payload)) {
      return [{ field: 'icmp.echo.sequence', message: `request repeats sequence ${e.seq} of identifier ${e.id} with different data` }];
    }
    if (step >= 0x8000) return [{ field: 'icmp.echo.sequence', message: `request sequence ${e.seq} goes back from ${seen.lastSeq} (identifier ${e.id})` }];
    return [];
  }
  if (!seen) return [];
  if (!seen.bySeq.has(e.seq))
    return [{ field: 'icmp.echo.sequence', message: `reply with sequence ${e.seq} answers no earlier request of identifier ${e.id}` }];
  const asked = seen.bySeq.get(e.seq);
  if (asked && e.payload && !same(asked, e.payload)) return [{ field: 'icmp.echo.data', message: `reply data differs from request ${e.id}/${e.seq}` }];
  return [];
}

export function observeEcho(ctx: IcmpContext, v: PacketView): void {
  const e = echoFacts(v);
  if (!e?.request) return;
  const key = echoKey(e.requester, e.responder, e.id);
  let s: EchoRequests | undefined = ctx.echo.get(key);
  if (!s) ctx.echo.set(key, (s = { bySeq: new Map(), lastSeq: e.seq, lastPayload: e.payload }));
  s.bySeq.set(e.seq, e.payload);
  s.lastSeq = e.seq;
  s.lastPayload = e.payload;
}

export const echoRule: PacketRule<IcmpContext> = {
  name: 'icmp.echo',
  description: 'Echo replies answer an earlier request of the other side (identifier, sequence, data); request sequence numbers move forward.',
  applies: (v) => echoFacts(v) !== undefined,
  check: echoFindings,
  repair(draft, _f, ctx) {
    const v = draft.view;
    const e = echoFacts(v);
    const m = v.icmp;
    if (!e || !m) return;
    const seen = ctx.echo.get(echoKey(e.requester, e.responder, e.id));
    if (!seen) return;
    if (e.request) {
      const next = (seen.lastSeq + 1) & 0xffff;
      draft.set('icmp.echo', m.offset, ICMP.sequence, next, 'sequence continues from the previous request');
      return;
    }
    // Answer the latest request: its sequence number and its data.
    const seq = seen.bySeq.has(e.seq) ? e.seq : seen.lastSeq;
    draft.set('icmp.echo', m.offset, ICMP.sequence, seq, 'reply takes the sequence number of the latest request it can answer');
    const asked = seen.bySeq.get(seq);
    if (asked && e.payload && !same(asked, e.payload)) {
      if (asked.length === e.payload.length) draft.writeBytes('icmp.echo', 'icmp.echo.data', e.payloadOffset, asked, "a reply echoes the request's data");
      else {
        const ip = v.ipv4 ?? v.ipv6;
        const o = v.ipOffset ?? 0;
        const end = o + (ip?.headerLength ?? 20) + 8 + e.payload.length;
        draft.splice('icmp.echo', 'icmp.echo.data', e.payloadOffset, end - e.payloadOffset, asked, "a reply echoes the request's data");
        if (v.ipv4)
          draft.set(
            'icmp.echo',
            o,
            { name: 'ipv4.total_length', bit: 16, width: 16 },
            v.ipv4.ihl * 4 + 8 + asked.length,
            "reply resized to the request's data",
          );
        else
          draft.set(
            'icmp.echo',
            o,
            { name: 'ipv6.payload_length', bit: 32, width: 16 },
            (ip?.headerLength ?? 40) - 40 + 8 + asked.length,
            "reply resized to the request's data",
          );
        draft.setOriginalLength('icmp.echo', draft.bytes.length, 'reply resized');
      }
    }
  },
};
