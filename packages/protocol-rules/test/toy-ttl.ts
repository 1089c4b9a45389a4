import type { Constraint } from '@netsynth/core';
import { IPV4, PacketRuleset, type PacketRule } from '../src/index.js';

/**
 * A one-rule ruleset for the chain tests: packets must carry TTL 64; a packet with TTL 1
 * cannot be fixed (the repair leaves it), and TTL 2 makes the repair throw a RangeError
 * (a write out of bounds), so both ways a repair can fail are covered.
 */
const ttlRule: PacketRule<undefined> = {
  name: 'toy.ttl',
  description: 'TTL is 64',
  applies: (v) => v.ipv4 !== undefined,
  check: (v) => (v.ipv4?.ttl === 64 ? [] : [{ field: 'ipv4.ttl', message: `TTL ${v.ipv4?.ttl}` }]),
  repair(draft) {
    const ttl = draft.view.ipv4?.ttl;
    if (ttl === 1) return;
    if (ttl === 2) new Uint8Array(1).set([1, 2], 5);
    draft.set('toy.ttl', draft.view.ipOffset ?? 0, IPV4.ttl, 64, 'toy');
  },
};

export const toyTtlRuleset = (): Constraint => new PacketRuleset<undefined>({ name: 'toy', rules: [ttlRule], context: () => undefined });
