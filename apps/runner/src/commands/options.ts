import { InvalidArgumentError } from 'commander';
import { parseShard, type Shard } from '../pipeline/shard.js';

/** Commander parser for a non-negative integer option (seeds, counts). */
export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer.');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('too large.');
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number.');
  return n;
}

/** Commander reducer for a repeatable option (`--plugin A --plugin B`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Commander parser of `--shard K/N`: a malformed value is a usage error (exit 2). */
export function shardOption(value: string): Shard {
  try {
    return parseShard(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}
