import type { Rng } from '@netsynth/core';
import type { PacketView, ValueSource } from '@netsynth/protocol-rules';
import type { IcmpRulesetOptions } from './options.js';

/** Echo requests seen so far for one (requester, responder, identifier). */
export interface EchoRequests {
  /** Sequence number → payload of the request (undefined when cut by the snap length). */
  bySeq: Map<number, Uint8Array | undefined>;
  lastSeq: number;
  lastPayload: Uint8Array | undefined;
}

export interface IcmpContext {
  options: IcmpRulesetOptions;
  values: ValueSource;
  rng: Rng | undefined;
  /** Packets of the sample as given (ICMP errors look for the datagram they quote). */
  views: readonly PacketView[];
  /** Echo requests seen so far, key "requester>responder#id". */
  echo: Map<string, EchoRequests>;
}

export const echoKey = (requester: string, responder: string, id: number): string => `${requester}>${responder}#${id}`;

export function icmpContext(views: readonly PacketView[], options: IcmpRulesetOptions, values: ValueSource, rng: Rng | undefined): IcmpContext {
  return { options, values, rng, views, echo: new Map() };
}
