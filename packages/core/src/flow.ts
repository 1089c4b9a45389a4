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

export interface Flow {
  key: FlowKey;
  /** Canonical string of the key, identical for both directions. */
  id: string;
  packets: Packet[];
  /** directions[i] is the direction of packets[i]. */
  directions: Direction[];
  /** Capture the packets came from. */
  source?: string;
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
