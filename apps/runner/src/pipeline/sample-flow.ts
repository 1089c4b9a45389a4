import { dissect, endpointsOf } from '@netsynth/pcap';
import { flowIdOf, type Direction, type Flow, type LabelledSample, type Packet } from '@netsynth/core';

/**
 * One flow made of a generated sample's packets, whatever they hold: the first packet with
 * IP endpoints sets the key (its sender is `a`), and each packet's direction says whether
 * it travels a→b (0) or b→a (1). Generated samples are one flow by construction, so they
 * are not re-split by 5-tuple here.
 */
export function flowOfPackets(packets: readonly Packet[], source?: string): Flow {
  let key: Flow['key'] = { protocol: 0, a: { address: '', port: 0 }, b: { address: '', port: 0 } };
  const ends = packets.map((p) => endpointsOf(dissect(p)));
  const first = ends.find((e) => e !== undefined);
  if (first) key = { protocol: first.protocol, a: first.src, b: first.dst };
  const directions: Direction[] = ends.map((e) =>
    e && e.src.address === key.b.address && e.src.port === key.b.port && !(key.a.address === key.b.address && key.a.port === key.b.port) ? 1 : 0,
  );
  return {
    key,
    id: flowIdOf(key.protocol, key.a, key.b),
    packets: [...packets],
    directions,
    ...(source !== undefined && { source }),
  };
}

export function sampleOfPackets(id: string, label: string, packets: readonly Packet[], source?: string): LabelledSample {
  return { id, label, flow: flowOfPackets(packets, source), windowStart: 0 };
}
