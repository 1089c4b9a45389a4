/** Generated per-flow fields + the class profile → the protocol and ports a decoded flow uses. */
import type { DecodeProblem, Rng } from '@netsynth/core';
import { distinct, hamming16, mode, nearest, type ClassProfile, type Counts, type ProtocolProfile } from '@netsynth/protocol-rules';
import { portClass, PROTOCOL_SLOTS, type DecodedFlowFields } from './layout.js';

/** A port table with at most this many distinct values is a vocabulary (services); above it, a range (ephemeral clients). */
const VOCABULARY = 16;

export interface FlowChoice {
  protocol: number;
  clientPort: number;
  servicePort: number;
  profile: ProtocolProfile | undefined;
  /** Option sets the label's flows of this protocol sent on non-SYN segments, per direction (optionsets.ts). */
  optionSets?: [Counts, Counts];
}

/** The generated protocol, kept to those the class used (the highest-scoring of them). */
function chooseProtocol(scores: readonly number[], profile: ClassProfile | undefined): number {
  const known = profile ? Object.keys(profile.protocols).map(Number) : [];
  const ranked = PROTOCOL_SLOTS.map((p, i) => ({ p, s: scores[i] ?? -1 })).sort((a, b) => b.s - a.s);
  for (const { p } of ranked) if (p !== -1 && (known.length === 0 || known.includes(p))) return p;
  // The class only saw protocols outside the slots: its most common one.
  const counts: Counts = {};
  for (const k of known) counts[k] = profile!.protocols[k]!.flows;
  return Number(mode(counts) ?? 17);
}

/**
 * A generated port shaped by what the class used: a small vocabulary (services) gives the
 * learned port nearest in bits among those of the generated class (well-known, registered,
 * ephemeral) when any, else nearest overall; a wide table (client ports) keeps the generated
 * value inside the learned range.
 */
export function choosePort(bitsValue: number, cls: number, table: Counts, range: [number, number], rng: Rng): number {
  if (distinct(table) === 0) return bitsValue;
  if (distinct(table) <= VOCABULARY) {
    const sameClass: Counts = Object.fromEntries(Object.entries(table).filter(([k]) => portClass(Number(k)) === cls));
    return nearest(Object.keys(sameClass).length ? sameClass : table, bitsValue, hamming16) ?? bitsValue;
  }
  const [lo, hi] = range;
  if (bitsValue >= lo && bitsValue <= hi) return bitsValue;
  return lo + rng.int(Math.max(1, hi - lo + 1));
}

export function chooseFlow(f: DecodedFlowFields, profile: ClassProfile | undefined, rng: Rng, problems: DecodeProblem[]): FlowChoice {
  const protocol = chooseProtocol(f.protocolScores, profile);
  const p = profile?.protocols[String(protocol)];
  if (!profile) problems.push({ message: 'no profile was learned for this label: headers come from the generated fields alone' });
  let clientPort = p ? choosePort(f.clientPort, f.clientPortClass, p.clientPorts, p.clientRange, rng) : f.clientPort;
  const servicePort = p ? choosePort(f.servicePort, f.servicePortClass, p.servicePorts, p.serviceRange, rng) : f.servicePort;
  // Port 0 is reserved; a client may not share the service's port unless the class does so.
  if (protocol !== 1 && clientPort === 0) clientPort = 49152 + rng.int(16384);
  return { protocol, clientPort, servicePort, profile: p };
}
