/**
 * A packet being repaired: a private copy of its bytes that rules edit field by field. Every
 * edit that changes a value is logged as a RepairChange (rule, field, before, after, reason).
 * `finalizeChecksums` then brings the IPv4 header checksum and the transport checksum back in
 * line with whatever the edits touched — recomputed when the datagram is complete, updated
 * incrementally (RFC 1624) when the snap length cut its payload, so a repair never turns a
 * verifiable checksum into a wrong one.
 */
import { InvalidArgumentError, type Packet, type RepairChange } from '@netsynth/core';
import { internetChecksum, ipv4HeaderChecksum } from '@netsynth/pcap';
import { be16, setBe16 } from './bits.js';
import { computeTransportChecksum, fold16, onesSum, transportSpan, transportVerdict, type ChecksumState, type TransportSpan } from './checksums.js';
import { getField, IPV4, putField, type HeaderField } from './fields.js';
import { viewOf, type PacketView } from './view.js';

/** Where repairs are recorded; rulesets share one per repair call. */
export type RepairLog = RepairChange[];

interface Baseline {
  data: Uint8Array;
  view: PacketView;
  transportState: ChecksumState | undefined;
}

export class PacketDraft {
  private data: Uint8Array;
  private capturedLength: number;
  private originalLength: number;
  private timestampNs: bigint;
  private cached: PacketView | undefined;
  private baseline: Baseline;
  private edited = false;

  constructor(
    private readonly source: Packet,
    /** Index of this packet in the repaired output (what changes are reported against). */
    public index: number,
    private readonly log: RepairLog,
  ) {
    this.data = source.data.slice();
    this.capturedLength = source.capturedLength;
    this.originalLength = source.originalLength;
    this.timestampNs = source.timestampNs;
    const view = viewOf(source, index);
    this.cached = view;
    this.baseline = { data: this.data.slice(), view, transportState: transportVerdict(view)?.state };
  }

  /** True once any byte, length or timestamp differs from the source packet. */
  get changed(): boolean {
    return this.edited;
  }

  get bytes(): Uint8Array {
    return this.data;
  }

  get timestamp(): bigint {
    return this.timestampNs;
  }

  get view(): PacketView {
    if (!this.cached) this.cached = viewOf(this.toPacket(), this.index);
    return this.cached;
  }

  toPacket(): Packet {
    if (!this.edited) return this.source;
    const p: Packet = {
      timestampNs: this.timestampNs,
      capturedLength: this.capturedLength,
      originalLength: this.originalLength,
      linkType: this.source.linkType,
      data: this.data,
    };
    if (this.source.interfaceId !== undefined) p.interfaceId = this.source.interfaceId;
    return p;
  }

  /** Records a change made by other means (or an inserted/removed packet). */
  record(rule: string, field: string, before: string | number | null, after: string | number | null, reason: string): void {
    this.log.push({ rule, field, packetIndex: this.index, before, after, reason });
  }

  get(headerOffset: number, field: HeaderField): number {
    return getField(this.data, headerOffset, field);
  }

  /** Sets a header field; logs and returns true when the value changed. */
  set(rule: string, headerOffset: number, field: HeaderField, value: number, reason: string, logAs?: (v: number) => string | number): boolean {
    const before = getField(this.data, headerOffset, field);
    if (before === value) return false;
    putField(this.data, headerOffset, field, value);
    this.touch();
    const show = logAs ?? ((v: number) => v);
    this.record(rule, field.name, show(before), show(value), reason);
    return true;
  }

  /** Overwrites bytes in place (same length); logs one change with the given before/after text. */
  writeBytes(rule: string, field: string, offset: number, bytes: Uint8Array, reason: string): boolean {
    if (!Number.isInteger(offset) || offset < 0 || offset + bytes.length > this.data.length) {
      throw new InvalidArgumentError(
        `${rule}: cannot write ${bytes.length} byte(s) of ${field} at offset ${offset} of packet ${this.index}: only ${this.data.length} byte(s) captured`,
      );
    }
    const old = this.data.slice(offset, offset + bytes.length);
    if (old.length === bytes.length && old.every((b, i) => b === bytes[i])) return false;
    this.data.set(bytes, offset);
    this.touch();
    this.record(rule, field, hex(old), hex(bytes), reason);
    return true;
  }

  /**
   * Removes `deleteCount` bytes at `offset` and inserts `insert` there; the captured and
   * on-the-wire lengths change by the same amount. The caller fixes the length fields.
   * `offset` must lie within the captured bytes; `deleteCount` stops at their end.
   */
  splice(rule: string, field: string, offset: number, deleteCount: number, insert: Uint8Array, reason: string): void {
    if (!Number.isInteger(offset) || offset < 0 || offset > this.data.length || !Number.isInteger(deleteCount) || deleteCount < 0) {
      throw new InvalidArgumentError(
        `${rule}: cannot edit ${field} at offset ${offset} (${deleteCount} byte(s)) of packet ${this.index}: only ${this.data.length} byte(s) captured`,
      );
    }
    const removed = this.data.slice(offset, offset + deleteCount);
    const next = new Uint8Array(this.data.length - removed.length + insert.length);
    next.set(this.data.subarray(0, offset), 0);
    next.set(insert, offset);
    next.set(this.data.subarray(offset + removed.length), offset + insert.length);
    const delta = insert.length - removed.length;
    this.data = next;
    this.capturedLength = next.length;
    this.originalLength = Math.max(next.length, this.originalLength + delta);
    this.touch();
    this.record(rule, field, hex(removed), hex(insert), reason);
  }

  /** Makes the on-the-wire length equal to the captured length (the packet is now whole). */
  setOriginalLength(rule: string, length: number, reason: string): void {
    if (length === this.originalLength) return;
    this.record(rule, 'frame.length', this.originalLength, length, reason);
    this.originalLength = length;
    this.touch();
  }

  setTimestamp(rule: string, ns: bigint, reason: string): void {
    if (ns === this.timestampNs) return;
    this.record(rule, 'frame.timestamp', this.timestampNs.toString(), ns.toString(), reason);
    this.timestampNs = ns;
    this.touch();
  }

  private touch(): void {
    this.edited = true;
    this.cached = undefined;
  }

  /**
   * Brings checksums in line with the edits since the last call: the IPv4 header checksum
   * when header bytes changed, the transport checksum when any byte it covers changed.
   * Returns true when a checksum was written.
   */
  finalizeChecksums(rule: string): boolean {
    let wrote = false;
    const before = this.baseline;
    const now = this.view;
    const o = now.ipOffset;
    if (o !== undefined && now.ipv4) {
      const hl = now.ipv4.ihl * 4;
      if (now.ipv4.ihl >= 5 && o + hl <= this.data.length && headerChanged(before, now, this.data)) {
        const value = ipv4HeaderChecksum(this.data, o);
        wrote = this.set(rule, o, IPV4.checksum, value, `recomputed: ${rule} changed header bytes`, hex16) || wrote;
      }
    }
    const span = transportSpan(this.view);
    if (span && span.field + 2 <= this.data.length && transportChanged(before, this.view, this.data)) {
      wrote = this.fixTransport(rule, span, before) || wrote;
    }
    this.baseline = { data: this.data.slice(), view: this.view, transportState: transportVerdict(this.view)?.state };
    return wrote;
  }

  private fixTransport(rule: string, span: TransportSpan, before: Baseline): boolean {
    const field = `${span.protocol === 'icmpv6' ? 'icmpv6' : span.protocol}.checksum`;
    const stored = be16(this.data, span.field);
    const view = this.view;
    const fragment = view.ipv4 ? view.ipv4.moreFragments || view.ipv4.fragmentOffset > 0 : false;
    if (fragment) return false;
    if (span.protocol === 'udp' && span.ipv4 && stored === 0 && before.transportState === 'absent') return false;
    let value: number | undefined;
    let reason = `recomputed: ${rule} changed covered bytes`;
    if (span.end <= this.data.length) {
      value = computeTransportChecksum(this.data, span);
    } else if (before.transportState === 'offloaded') {
      const old = transportSpan(before.view);
      const noLength = old !== undefined && be16(before.data, old.field) === fold16(old.pseudoNoLength) && fold16(old.pseudo) !== fold16(old.pseudoNoLength);
      value = fold16(noLength ? span.pseudoNoLength : span.pseudo);
      reason = `offloaded partial sum updated: ${rule} changed covered bytes`;
    } else {
      value = incrementalUpdate(before, span, this.data);
      reason = `updated incrementally (RFC 1624; payload not captured): ${rule} changed covered bytes`;
    }
    if (value === undefined) return false;
    return this.writeChecksum(rule, field, span.field, value, reason);
  }

  private writeChecksum(rule: string, field: string, offset: number, value: number, reason: string): boolean {
    const before = be16(this.data, offset);
    if (before === value) return false;
    setBe16(this.data, offset, value);
    this.touch();
    this.record(rule, field, hex16(before), hex16(value), reason);
    return true;
  }
}

export function hex16(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

function headerChanged(before: Baseline, now: PacketView, data: Uint8Array): boolean {
  const bo = before.view.ipOffset;
  const no = now.ipOffset;
  const nIp = now.ipv4;
  if (bo === undefined || no === undefined || !nIp) return true;
  const bIp = before.view.ipv4;
  if (!bIp || bIp.ihl !== nIp.ihl) return true;
  if (!sameBytes(before.data, bo, data, no, nIp.ihl * 4)) return true;
  return false;
}

function transportChanged(before: Baseline, now: PacketView, data: Uint8Array): boolean {
  const bSpan = transportSpan(before.view);
  const nSpan = transportSpan(now);
  if (!bSpan || !nSpan) return true;
  if (bSpan.pseudo !== nSpan.pseudo || bSpan.end - bSpan.start !== nSpan.end - nSpan.start || bSpan.protocol !== nSpan.protocol) return true;
  const bEnd = Math.min(bSpan.end, before.data.length);
  const nEnd = Math.min(nSpan.end, data.length);
  if (bEnd - bSpan.start !== nEnd - nSpan.start) return true;
  return !sameBytes(before.data, bSpan.start, data, nSpan.start, nEnd - nSpan.start);
}

/**
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), applied to everything the checksum covers that
 * was captured (pseudo-header and captured segment bytes, checksum field counted as zero).
 * The uncaptured tail is the same before and after, so it cancels out — provided the covered
 * length and the tail's alignment are unchanged, which is checked here.
 */
function incrementalUpdate(before: Baseline, span: TransportSpan, data: Uint8Array): number | undefined {
  const old = transportSpan(before.view);
  if (!old || old.end - old.start !== span.end - span.start) return undefined;
  const oldCaptured = Math.min(old.end, before.data.length) - old.start;
  const newCaptured = Math.min(span.end, data.length) - span.start;
  if (oldCaptured !== newCaptured || old.field - old.start !== span.field - span.start) return undefined;
  const oldStored = be16(before.data, old.field);
  if (before.transportState === 'bad') return undefined;
  const sumOld = fold16(onesSum(before.data, old.start, old.field, onesSum(before.data, old.field + 2, old.start + oldCaptured, old.pseudo)));
  const sumNew = fold16(onesSum(data, span.start, span.field, onesSum(data, span.field + 2, span.start + newCaptured, span.pseudo)));
  const value = ~fold16((~oldStored & 0xffff) + (~sumOld & 0xffff) + sumNew) & 0xffff;
  return span.protocol === 'udp' && value === 0 ? 0xffff : value;
}

/** Verifies a complete datagram's IPv4 header checksum (used by tests and callers). */
export function headerChecksumOk(data: Uint8Array, ipOffset: number): boolean {
  const hl = ((data[ipOffset] ?? 0) & 0x0f) * 4;
  return internetChecksum(data, ipOffset, ipOffset + hl) === 0;
}
