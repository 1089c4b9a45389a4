/**
 * Sub-flows of a sample: its packets grouped by bidirectional 5-tuple (protocol, addresses,
 * ports; ICMP echo by identifier), in order of first appearance. A sample may mix protocols
 * (a DNS lookup before the TCP connection it resolves), so flow rules run per sub-flow.
 * Later fragments join the sub-flow of their datagram's first fragment.
 */
import { flowIdOf, type Direction, type Endpoint } from '@netsynth/core';
import { endpointsOf, fragmentOf } from '@netsynth/pcap';
import type { PacketView } from './view.js';

export interface Subflow {
  id: string;
  protocol: number;
  /** The endpoint that sent the sub-flow's first packet. */
  a: Endpoint;
  b: Endpoint;
  /** Indices into the sample, in order. */
  indices: number[];
  /** directions[k] of packet indices[k]: 0 = a→b, 1 = b→a. */
  directions: Direction[];
}

export function subflowsOf(views: readonly PacketView[]): Subflow[] {
  const byId = new Map<string, Subflow>();
  const list: Subflow[] = [];
  const datagrams = new Map<string, { src: Endpoint; dst: Endpoint; protocol: number }>();
  for (const view of views) {
    let endpoints = endpointsOf(view.dp);
    if (!endpoints) continue;
    const fragment = fragmentOf(view.dp);
    if (fragment) {
      if (fragment.first && view.dp.transport) datagrams.set(fragment.datagram, endpoints);
      else if (!fragment.first) endpoints = datagrams.get(fragment.datagram) ?? endpoints;
    }
    const id = flowIdOf(endpoints.protocol, endpoints.src, endpoints.dst);
    let flow = byId.get(id);
    if (!flow) {
      flow = { id, protocol: endpoints.protocol, a: endpoints.src, b: endpoints.dst, indices: [], directions: [] };
      byId.set(id, flow);
      list.push(flow);
    }
    const forward = endpoints.src.address === flow.a.address && endpoints.src.port === flow.a.port;
    flow.indices.push(view.index);
    flow.directions.push(forward ? 0 : 1);
  }
  return list;
}
