/**
 * Per-class header profiles learned from training flows (an encoder's fit): for each protocol a class uses, the values real
 * stacks put in the fields the model does not generate exactly (port vocabularies, TTLs, TCP
 * option layouts and values, ICMP types, DNS content). Decoders shape generated fields with them;
 * nothing here is written in by hand.
 */
import type { LabelledSample } from '@netsynth/core';
import { bump, type Counts } from './counts.js';
import { ednsLayout, parseDns, type DnsMessage } from './dns.js';
import { layoutOf, mssValue, parseTcpOptions, TCPOPT, wscaleValue } from './tcp-options.js';
import { viewOf, type PacketView } from './view.js';

/** TCP options whose presence a class profile (and a generated packet row) records. */
export const PROFILE_OPTIONS = ['mss', 'sackOk', 'timestamps', 'wscale'] as const;
export type ProfileOption = (typeof PROFILE_OPTIONS)[number];

/** Distinct values kept per port table: enough for any service vocabulary; client ports fall back to their range. */
const PORT_CAP = 64;

export interface DirectionProfile {
  ttl: Counts;
  tos: Counts;
  /** DF bit (1 set, 0 clear) of the IPv4 packets sent this way (absent in states made before it was learned). */
  dontFragment?: Counts;
  /** [min, max] TCP window seen. */
  window: [number, number] | null;
  mss: Counts;
  wscale: Counts;
  icmpType: Counts;
  /** TCP flag bytes (FIN..CWR) sent in this direction. */
  flags: Counts;
  /** Option sets (optionSetKey) of the SYN segments sent in this direction. */
  synOptions: Counts;
}

export interface DnsProfile {
  queryFlags: Counts;
  responseFlags: Counts;
  /** "name|type|class" → count. */
  questions: Counts;
  /** "name|type|class" → the answer records of its most recent response (JSON of DnsAnswer[]). */
  answers: Record<string, string>;
  queryEdns: Counts;
  responseEdns: Counts;
  /** OPT option layouts ("10:8" = a COOKIE of 8 bytes, '' = none) of queries and responses (absent in older states). */
  queryEdnsOptions?: Counts;
  responseEdnsOptions?: Counts;
}

export interface ProtocolProfile {
  flows: number;
  /** Most packets one sample of this protocol held (decode keeps at most this many; absent in older states). */
  maxPackets?: number;
  clientPorts: Counts;
  servicePorts: Counts;
  clientRange: [number, number];
  serviceRange: [number, number];
  directions: [DirectionProfile, DirectionProfile];
  /** Option-set key ("mss,sackOk,…" of PROFILE_OPTIONS present) → option layouts seen ("2,4,8,1,3"). */
  layouts: Record<string, Counts>;
  /** Set when the class's UDP payloads of this protocol parse as DNS (see dnsVerdict). */
  dns: DnsProfile | null;
  /** Internal tally for the DNS verdict: payload packets seen and how many parsed as DNS in the right direction. */
  dnsTally: [number, number];
}

export interface ClassProfile {
  protocols: Record<string, ProtocolProfile>;
}

function newDirection(): DirectionProfile {
  return { ttl: {}, tos: {}, window: null, mss: {}, wscale: {}, icmpType: {}, flags: {}, synOptions: {} };
}

function newProtocol(): ProtocolProfile {
  return {
    flows: 0,
    clientPorts: {},
    servicePorts: {},
    clientRange: [65535, 0],
    serviceRange: [65535, 0],
    directions: [newDirection(), newDirection()],
    layouts: {},
    dns: null,
    dnsTally: [0, 0],
  };
}

function newDns(): DnsProfile {
  return { queryFlags: {}, responseFlags: {}, questions: {}, answers: {}, queryEdns: {}, responseEdns: {}, queryEdnsOptions: {}, responseEdnsOptions: {} };
}

export function optionSetKey(present: Record<ProfileOption, boolean>): string {
  return PROFILE_OPTIONS.filter((o) => present[o]).join(',');
}

/** The presence record of an option-set key. */
export function optionSetOf(key: string): Record<ProfileOption, boolean> {
  const names = new Set(key.split(',').filter(Boolean));
  return { mss: names.has('mss'), sackOk: names.has('sackOk'), timestamps: names.has('timestamps'), wscale: names.has('wscale') };
}

const KIND_OF: Record<number, ProfileOption> = {
  [TCPOPT.MSS]: 'mss',
  [TCPOPT.SACK_PERMITTED]: 'sackOk',
  [TCPOPT.TIMESTAMP]: 'timestamps',
  [TCPOPT.WSCALE]: 'wscale',
};

function learnTcp(p: ProtocolProfile, d: DirectionProfile, v: PacketView): void {
  const tcp = v.tcp!;
  bump(d.flags, tcp.flags.value & 0xff);
  d.window = d.window ? [Math.min(d.window[0], tcp.window), Math.max(d.window[1], tcp.window)] : [tcp.window, tcp.window];
  const parsed = parseTcpOptions(tcp.rawOptions);
  if (parsed.problems.length > 0) return;
  const present = { mss: false, sackOk: false, timestamps: false, wscale: false };
  for (const o of parsed.options) {
    const name = KIND_OF[o.kind];
    if (name) present[name] = true;
    if (o.kind === TCPOPT.MSS) bump(d.mss, mssValue(o));
    if (o.kind === TCPOPT.WSCALE) bump(d.wscale, wscaleValue(o));
  }
  bump((p.layouts[optionSetKey(present)] ??= {}), layoutOf(parsed.options), 16);
  if (tcp.flags.syn) bump(d.synOptions, optionSetKey(present));
}

function udpPayload(v: PacketView): Uint8Array | undefined {
  if (!v.udp || v.cut) return undefined;
  const start = v.udp.offset + 8;
  const end = v.udp.offset + Math.max(8, v.udp.length);
  return end > start && end <= v.packet.data.length ? v.packet.data.subarray(start, end) : undefined;
}

function learnDns(p: ProtocolProfile, m: DnsMessage, direction: number): void {
  const dns = (p.dns ??= newDns());
  const key = `${m.question.name}|${m.question.type}|${m.question.klass}`;
  if (direction === 0) {
    bump(dns.queryFlags, m.flags);
    bump(dns.questions, key, 4096);
    bump(dns.queryEdns, m.ednsUdpSize ?? 0);
    if (m.ednsUdpSize !== undefined) bump((dns.queryEdnsOptions ??= {}), ednsLayout(m));
  } else {
    bump(dns.responseFlags, m.flags);
    dns.answers[key] = JSON.stringify(m.answers);
    bump(dns.responseEdns, m.ednsUdpSize ?? 0);
    if (m.ednsUdpSize !== undefined) bump((dns.responseEdnsOptions ??= {}), ednsLayout(m));
  }
}

function learnPacket(p: ProtocolProfile, v: PacketView, direction: 0 | 1): void {
  const d = p.directions[direction];
  if (v.ipv4) {
    bump(d.ttl, v.ipv4.ttl);
    bump(d.tos, v.ipv4.tos);
    bump((d.dontFragment ??= {}), v.ipv4.dontFragment ? 1 : 0);
  }
  if (v.tcp && !v.tcp.truncated) learnTcp(p, d, v);
  if (v.icmp) bump(d.icmpType, v.icmp.type);
  const udp = udpPayload(v);
  if (udp && udp.length > 0) {
    p.dnsTally[0]++;
    const m = parseDns(udp);
    // A query travels client → server (QR 0), a response back (QR 1).
    if (m && ((m.flags >> 15) & 1) === direction) {
      p.dnsTally[1]++;
      learnDns(p, m, direction);
    }
  }
}

/** Adds one sample (flow or window) to its class profile. */
export function learnSample(profile: ClassProfile, sample: LabelledSample): void {
  const { key, packets, directions } = sample.flow;
  const p = (profile.protocols[String(key.protocol)] ??= newProtocol());
  p.flows++;
  p.maxPackets = Math.max(p.maxPackets ?? 0, packets.length);
  bump(p.clientPorts, key.a.port, PORT_CAP);
  bump(p.servicePorts, key.b.port, PORT_CAP);
  p.clientRange = [Math.min(p.clientRange[0], key.a.port), Math.max(p.clientRange[1], key.a.port)];
  p.serviceRange = [Math.min(p.serviceRange[0], key.b.port), Math.max(p.serviceRange[1], key.b.port)];
  packets.forEach((packet, i) => learnPacket(p, viewOf(packet, i), (directions[i] ?? 0) as 0 | 1));
}

/**
 * Keeps a protocol's DNS profile only when nearly all its UDP payloads (≥ 90 %) parsed as DNS
 * in the right direction: random payloads rarely pass the grammar, whole classes of them never.
 */
export function finishProfile(profile: ClassProfile): void {
  for (const p of Object.values(profile.protocols)) {
    const [seen, dns] = p.dnsTally;
    if (seen === 0 || dns < 0.9 * seen) p.dns = null;
  }
}

export function learnProfiles(samples: readonly LabelledSample[]): Record<string, ClassProfile> {
  const out: Record<string, ClassProfile> = {};
  for (const s of samples) learnSample((out[s.label] ??= { protocols: {} }), s);
  for (const p of Object.values(out)) finishProfile(p);
  return out;
}
