/** What one sample holds in real units, before normalisation: the flow's fields and one row per packet. */
import type { Direction } from '@netsynth/core';
import { PROFILE_OPTIONS, type ProfileOption } from '@netsynth/protocol-rules';

/** TCP flag bits in header order, FIN = bit 0 … CWR = bit 7 (NS lives elsewhere and is not modelled). */
export const FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr'] as const;

/** TCP options whose presence is a field; SACK blocks and other kinds are not generated (README). */
export const OPTION_NAMES = PROFILE_OPTIONS;
export type OptionName = ProfileOption;

export interface PacketRow {
  direction: Direction;
  /** IP total length, bytes (the wire size, also for packets the snap length cut). */
  ipLength: number;
  /** Transport payload bytes (IP length − IP header − transport header). */
  payloadLength: number;
  /** Seconds since the previous packet of the sample (0 for the first). */
  iat: number;
  ttl: number;
  /** The whole DSCP/ECN byte. */
  tos: number;
  dontFragment: boolean;
  /** IP identification minus that of the previous packet in the same direction, mod 2^16 (0 for a direction's first packet). */
  ipIdStep: number;
  /** TCP flag bits FIN..CWR (0 for other protocols). */
  flags: number;
  /** TCP window as sent (0 for other protocols). */
  window: number;
  /** TCP header bytes, options included (0 for other protocols). */
  tcpHeaderLength: number;
  options: Record<OptionName, boolean>;
  /** ICMP type (0 for other protocols). */
  icmpType: number;
  /** Fields (PACKET_FIELDS names) the snap length did not capture: 0 in the tensor, left out of fit (absent.ts). */
  absent?: readonly string[];
}

export interface FlowFields {
  /** IP protocol number. */
  protocol: number;
  /** Initiator's port (ICMP echo: the identifier). */
  clientPort: number;
  /** Responder's port: the service. */
  servicePort: number;
}

export interface SampleRows {
  flow: FlowFields;
  rows: PacketRow[];
}

export function noOptions(): Record<OptionName, boolean> {
  return { mss: false, sackOk: false, timestamps: false, wscale: false };
}
