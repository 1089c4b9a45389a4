import type { Packet } from './packet.js';

export interface Endpoint {
  address: string;
  /** 0 for protocols without ports (ICMP); ICMP echo uses the identifier here. */
  port: number;
}

/**
 * Bidirectional 5-tuple. `a` is the endpoint that sent the flow's first packet
 * (the initiator); direction 0 means a→b, 1 means b→a.
 */
export interface FlowKey {
  protocol: number;
  a: Endpoint;
  b: Endpoint;
}

export type Direction = 0 | 1;

/**
 * One flow as a NetFlow-style record in NetShare's fields. Flows read from record files
 * (`input.records`) carry one instead of packets; decoders of record encodings return one.
 */
export interface NetflowRecord {
  srcip: string;
  dstip: string;
  srcport: number;
  dstport: number;
  /** IP protocol number. */
  proto: number;
  /** Start, seconds since the epoch. */
  ts: number;
  /** Duration, seconds. */
  td: number;
  pkt: number;
  /** Bytes (IP bytes for records made from captures). */
  byt: number;
}

export interface Flow {
  key: FlowKey;
  /** Canonical string of the key, identical for both directions. */
  id: string;
  packets: Packet[];
  /** directions[i] is the direction of packets[i]. */
  directions: Direction[];
  /** Capture the packets came from. */
  source?: string;
  /** The flow as a record, when it was read from records (then `packets` is empty). */
  record?: NetflowRecord;
}

/** A flow, or a window of N consecutive packets of one, with its class label. */
export interface LabelledSample {
  id: string;
  label: string;
  flow: Flow;
  /** Index of the first packet of this window inside the original flow. */
  windowStart: number;
}

/** Canonical, direction-independent flow id: the smaller endpoint first. */
export function flowIdOf(protocol: number, x: Endpoint, y: Endpoint): string {
  const ex = `${x.address}|${x.port}`;
  const ey = `${y.address}|${y.port}`;
  return ex <= ey ? `${protocol}|${ex}|${ey}` : `${protocol}|${ey}|${ex}`;
}
