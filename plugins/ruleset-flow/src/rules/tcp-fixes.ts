/**
 * Edits the flow repairs make to TCP segments, each keeping the segment valid for the packet
 * rulesets: clearing SYN also removes the options only a SYN may carry (NOPs in their place,
 * so the header length stays), every flag change leaves a legal combination.
 */
import {
  IPV4,
  optionsForLayout,
  replaceTcpOptions,
  resizeDatagram,
  type ValueSource,
  tcpPayloadLength,
  IPV6,
  parseTcpOptions,
  SYN_ONLY_OPTIONS,
  TCP,
  TCP_FLAG,
  TCPOPT,
  flagNames,
  type PacketDraft,
} from '@netsynth/protocol-rules';

export function setFlags(draft: PacketDraft, rule: string, flags: number, reason: string): void {
  const t = draft.view.tcp;
  if (t) draft.set(rule, t.offset, TCP.flags, flags, reason, flagNames);
}

/** NOPs out options that are wrong on a segment without SYN (MSS, window scale, SACK-permitted, fast open). */
export function stripSynOnlyOptions(draft: PacketDraft, rule: string, reason: string): void {
  const t = draft.view.tcp;
  if (!t || t.dataOffset <= 5) return;
  const area = t.rawOptions.slice();
  let changed = false;
  for (const o of parseTcpOptions(area).options) {
    if (SYN_ONLY_OPTIONS.has(o.kind) || o.kind === TCPOPT.FAST_OPEN) {
      area.fill(TCPOPT.NOP, o.offset, o.offset + o.length);
      changed = true;
    }
  }
  if (changed) draft.writeBytes(rule, 'tcp.options', t.offset + 20, area, reason);
}

/** NOPs out every option of one kind. */
export function stripOption(draft: PacketDraft, rule: string, kind: number, reason: string): void {
  const t = draft.view.tcp;
  if (!t || t.dataOffset <= 5) return;
  const area = t.rawOptions.slice();
  let changed = false;
  for (const o of parseTcpOptions(area).options) {
    if (o.kind === kind) {
      area.fill(TCPOPT.NOP, o.offset, o.offset + o.length);
      changed = true;
    }
  }
  if (changed) draft.writeBytes(rule, 'tcp.options', t.offset + 20, area, reason);
}

/** Turns a SYN that is not a connection start into an ordinary ACK segment. */
export function clearSyn(draft: PacketDraft, rule: string, reason: string): void {
  const t = draft.view.tcp;
  if (!t) return;
  const flags = (t.flags.value & ~TCP_FLAG.SYN & ~TCP_FLAG.ECE & ~TCP_FLAG.CWR & ~TCP_FLAG.NS) | TCP_FLAG.ACK;
  setFlags(draft, rule, flags, reason);
  stripSynOnlyOptions(draft, rule, reason);
}

/**
 * Swaps the packet's direction: addresses and ports trade places; the TTL becomes the one
 * the new sender uses elsewhere (when known).
 */
export function flipDirection(draft: PacketDraft, rule: string, reason: string, ttlOfNewSender: number | undefined): void {
  const v = draft.view;
  const o = v.ipOffset;
  const t = v.tcp;
  if (o === undefined || !t) return;
  if (v.ipv4) {
    const src = draft.get(o, IPV4.src);
    const dst = draft.get(o, IPV4.dst);
    draft.set(rule, o, IPV4.src, dst, reason, fmt4);
    draft.set(rule, o, IPV4.dst, src, reason, fmt4);
    if (ttlOfNewSender !== undefined) draft.set(rule, o, IPV4.ttl, ttlOfNewSender, `${reason}: TTL of the new sender`);
  } else if (v.ipv6) {
    const bytes = draft.bytes;
    const src = bytes.slice(o + 8, o + 24);
    const dst = bytes.slice(o + 24, o + 40);
    draft.writeBytes(rule, 'ipv6.src', o + 8, dst, reason);
    draft.writeBytes(rule, 'ipv6.dst', o + 24, src, reason);
    if (ttlOfNewSender !== undefined) draft.set(rule, o, IPV6.hopLimit, ttlOfNewSender, `${reason}: hop limit of the new sender`);
  }
  const sp = t.srcPort;
  const dp = t.dstPort;
  draft.set(rule, t.offset, TCP.srcPort, dp, reason);
  draft.set(rule, t.offset, TCP.dstPort, sp, reason);
}

function fmt4(v: number): string {
  return `${Math.floor(v / 0x1000000) & 0xff}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/**
 * Makes the segment a SYN-ACK. Handshake segments carry no data here (no Fast Open), so any
 * payload goes; a segment without an MSS option gets the learned SYN-ACK option layout (MSS,
 * window scale, SACK-permitted, timestamps echoing the SYN's), as real stacks send.
 */
export function makeSynAck(draft: PacketDraft, rule: string, flags: number, reason: string, values: ValueSource, synTsval: number | undefined): void {
  setFlags(
    draft,
    rule,
    (flags & ~(TCP_FLAG.FIN | TCP_FLAG.RST | TCP_FLAG.CWR | TCP_FLAG.NS | TCP_FLAG.PSH | TCP_FLAG.URG)) | TCP_FLAG.SYN | TCP_FLAG.ACK,
    reason,
  );
  let v = draft.view;
  if (v.cut) return;
  const t = v.tcp;
  if (t && !parseTcpOptions(t.rawOptions).options.some((o) => o.kind === TCPOPT.MSS)) {
    const layout = values.hist((p) => p.tcpLayout.synack).mode() ?? '2,4,8,1,3';
    const area = optionsForLayout(layout, {
      mss: values.hist((p) => p.mss).mode() ?? 1460,
      wscale: values.hist((p) => p.wscale).mode() ?? 7,
      tsval: Number((draft.timestamp / 1_000_000n) & 0xffffffffn),
      tsecr: synTsval ?? 0,
    });
    replaceTcpOptions(draft, rule, area, `${reason}: options of a learned SYN-ACK`);
    v = draft.view;
  }
  const ip = v.ipv4 ?? v.ipv6;
  const tt = v.tcp;
  if (ip && tt && tcpPayloadLength(v) > 0) resizeDatagram(draft, rule, ip.headerLength + tt.dataOffset * 4, `${reason}: payload removed`);
}
