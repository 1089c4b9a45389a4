/**
 * DNS payloads of a decoded flow whose class was learned to carry DNS: each client packet is a
 * new query (a question drawn from the class's learned questions, its learned query flags), each
 * server packet answers the latest query (same id and question, the class's response flags and
 * the answer records its real responses to that question carried).
 */
import type { Direction, Rng } from '@netsynth/core';
import { draw, mode } from './counts.js';
import { buildDns, ednsOptionsOf, type DnsAnswer, type DnsMessage, type DnsQuestion } from './dns.js';
import type { DnsProfile } from './class-profile.js';

export interface DnsState {
  profile: DnsProfile;
  last: DnsMessage | undefined;
}

export function newDnsState(profile: DnsProfile): DnsState {
  return { profile, last: undefined };
}

function questionOf(key: string): DnsQuestion {
  const [name = '', type = '1', klass = '1'] = key.split('|');
  return { name, type: Number(type), klass: Number(klass) };
}

function edns(c: Record<string, number>): number | undefined {
  const v = Number(mode(c) ?? 0);
  return v > 0 ? v : undefined;
}

/** The OPT record of a message: the class's usual UDP size and option layout (option data seeded). */
function ednsOf(size: number | undefined, layouts: Record<string, number> | undefined, rng: Rng): Partial<DnsMessage> {
  if (size === undefined) return {};
  const options = ednsOptionsOf(String((layouts && mode(layouts)) ?? ''), () => rng.int(256));
  return { ednsUdpSize: size, ...(options.length > 0 && { ednsOptions: options }) };
}

function answersFor(p: DnsProfile, q: DnsQuestion): DnsAnswer[] {
  const text = p.answers[`${q.name}|${q.type}|${q.klass}`];
  return text ? (JSON.parse(text) as DnsAnswer[]) : [];
}

/** The next DNS message of the flow, or undefined when the class learned none for this direction. */
export function dnsPayload(s: DnsState, direction: Direction, rng: Rng): Uint8Array | undefined {
  const p = s.profile;
  const drawQuestion = (): DnsQuestion | undefined => {
    const key = draw(p.questions, rng);
    return key === undefined ? undefined : questionOf(key);
  };
  if (direction === 0) {
    const question = drawQuestion();
    const flags = mode(p.queryFlags);
    if (!question || flags === undefined) return undefined;
    const size = edns(p.queryEdns);
    s.last = { id: rng.int(65536), flags: Number(flags), question, answers: [], ...ednsOf(size, p.queryEdnsOptions, rng) };
    return buildDns(s.last);
  }
  const flags = mode(p.responseFlags);
  const question = s.last?.question ?? drawQuestion();
  if (flags === undefined || !question) return undefined;
  const size = edns(p.responseEdns);
  const msg: DnsMessage = {
    id: s.last?.id ?? rng.int(65536),
    flags: Number(flags),
    question,
    answers: answersFor(p, question),
    ...ednsOf(size, p.responseEdnsOptions, rng),
  };
  return buildDns(msg);
}
