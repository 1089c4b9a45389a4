/**
 * TCP options: well-formed (lengths, known kinds, zero padding after EOL), SYN-only options
 * only on SYN, window scale ≤ 14, MSS > 0, no duplicates, SACK blocks sane and only with ACK.
 * Repairs edit the option area in place — dropped options become NOPs, a broken tail becomes
 * EOL + zeros, a window scale above 14 becomes the learned shift — so the header length never changes.
 */
import {
  optionField,
  parseTcpOptions,
  sackBlocks,
  seqDiff,
  SYN_ONLY_OPTIONS,
  TCPOPT,
  u16Bytes,
  wscaleValue,
  mssValue,
  type Finding,
  type PacketRule,
  type ParsedTcpOption,
  type PacketView,
} from '@netsynth/protocol-rules';
import type { TcpContext } from '../context.js';

const MAX_WSCALE = 14;

type Verdict = { drop: boolean; finding?: Finding; fix?: Uint8Array };

/** What is wrong with one well-formed option in this segment, and how to fix it. */
function judge(o: ParsedTcpOption, syn: boolean, ack: boolean, seen: Set<number>, ctx: TcpContext | undefined): Verdict {
  const field = optionField(o.kind);
  if (o.kind === TCPOPT.NOP || o.kind === TCPOPT.EOL) return { drop: false };
  if (seen.has(o.kind)) return { drop: true, finding: { field, message: `option kind ${o.kind} appears twice` } };
  seen.add(o.kind);
  if (SYN_ONLY_OPTIONS.has(o.kind) && !syn) return { drop: true, finding: { field, message: `${field.slice(12)} option on a segment without SYN` } };
  if (o.kind === TCPOPT.FAST_OPEN && !syn) return { drop: true, finding: { field, message: 'fast-open option on a segment without SYN' } };
  if (o.kind === TCPOPT.WSCALE && o.length === 3 && wscaleValue(o) > MAX_WSCALE) {
    // A shift real stacks use (learned; Linux's 7 by default) rather than the bare maximum.
    const shift = Math.min(MAX_WSCALE, ctx?.values.hist((p) => p.wscale).mode() ?? MAX_WSCALE);
    return { drop: false, finding: { field, message: `window scale shift ${wscaleValue(o)} > ${MAX_WSCALE}` }, fix: Uint8Array.of(TCPOPT.WSCALE, 3, shift) };
  }
  if (o.kind === TCPOPT.MSS && o.length === 4 && mssValue(o) === 0) {
    const mss = ctx?.values.hist((p) => p.mss).mode() ?? 1460;
    return { drop: false, finding: { field, message: 'MSS 0' }, fix: Uint8Array.of(TCPOPT.MSS, 4, ...u16Bytes(mss)) };
  }
  if (o.kind === TCPOPT.SACK && (o.length - 2) % 8 === 0) {
    if (!ack) return { drop: true, finding: { field, message: 'SACK blocks on a segment without ACK' } };
    for (const b of sackBlocks(o)) {
      const size = seqDiff(b.left, b.right);
      if (size <= 0) return { drop: true, finding: { field, message: `SACK block ${b.left}-${b.right} is empty or reversed` } };
    }
  }
  return { drop: false };
}

export interface OptionsReview {
  findings: Finding[];
  /** The repaired option area (same length), when something needs fixing. */
  repaired?: Uint8Array;
}

export function reviewOptions(view: PacketView, ctx?: TcpContext): OptionsReview {
  const t = view.tcp;
  if (!t) return { findings: [] };
  const raw = t.rawOptions;
  const parsed = parseTcpOptions(raw);
  const findings: Finding[] = [];
  const out = raw.slice();
  let changed = false;
  const badOffsets = new Set(parsed.problems.filter((p) => p.field !== 'tcp.options.padding').map((p) => p.offset));
  for (const p of parsed.problems) findings.push({ field: p.field, message: p.message });
  const seen = new Set<number>();
  for (const o of parsed.options) {
    if (badOffsets.has(o.offset)) {
      out.fill(TCPOPT.NOP, o.offset, o.offset + o.length);
      changed = true;
      continue;
    }
    const v = judge(o, t.flags.syn, t.flags.ack, seen, ctx);
    if (v.finding) findings.push(v.finding);
    if (v.drop) {
      out.fill(TCPOPT.NOP, o.offset, o.offset + o.length);
      changed = true;
    } else if (v.fix) {
      out.set(v.fix, o.offset);
      changed = true;
    }
  }
  if (parsed.brokenAt !== undefined) {
    out.fill(0, parsed.brokenAt);
    changed = true;
  }
  if (parsed.eolOffset !== undefined && findings.some((f) => f.field === 'tcp.options.padding')) {
    out.fill(0, parsed.eolOffset);
    changed = true;
  }
  return changed ? { findings, repaired: out } : { findings };
}

export const optionsRule: PacketRule<TcpContext> = {
  name: 'tcp.options',
  description:
    'Options well-formed (known kinds, valid lengths, zero padding after EOL); MSS, window scale, SACK-permitted and fast-open only on SYN; window scale ≤ 14; MSS > 0; no duplicates; SACK blocks non-empty and only with ACK.',
  applies: (v) => v.tcp !== undefined && v.tcp.dataOffset > 5 && !v.tcp.truncated,
  check: (v, ctx) => reviewOptions(v, ctx).findings,
  repair(draft, _f, ctx) {
    const v = draft.view;
    const t = v.tcp;
    if (!t) return;
    const review = reviewOptions(v, ctx);
    if (review.repaired) draft.writeBytes('tcp.options', 'tcp.options', t.offset + 20, review.repaired, review.findings.map((f) => f.message).join('; '));
  },
};
