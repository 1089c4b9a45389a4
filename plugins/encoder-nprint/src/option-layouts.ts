import { readBitsUint } from './bits.js';

/**
 * Option layouts of TCP and IPv4 headers, as the row repair sees them: a layout is the
 * sequence of (kind, length) in an option area, written as a key such as
 * `2:4,4:2,8:10,1,3:3` (MSS, SACK-permitted, timestamps, NOP, window scale — Linux's SYN).
 * Single-byte options (EOL 0, NOP 1) have no length. The area is padded with zero bytes to
 * a multiple of 4 (an EOL and its padding), as a header length needs.
 */
export type OptionFamily = 'tcp' | 'ipv4';

export interface ParsedOption {
  kind: number;
  /** Bytes including kind and length; 1 for EOL / NOP. */
  len: number;
  /** The value of MSS (16 bits) and window scale (8 bits) options. */
  value?: number;
}

export interface OptionLayout {
  key: string;
  options: ParsedOption[];
  /** Area bytes, padded to a multiple of 4. */
  bytes: number;
  /** Bytes the row holds (parseOptionArea): bytes − present is the padding it lacks. */
  present: number;
}

/** Lengths TCP options of these kinds must have (RFC 793, 7323, 2018). */
const TCP_FIXED_LENGTHS: Readonly<Record<number, readonly number[]>> = {
  2: [4],
  3: [3],
  4: [2],
  5: [10, 18, 26, 34],
  8: [10],
};

/**
 * Layouts used when nothing was learned: what the common stacks send (Linux, Windows,
 * macOS SYNs; timestamps and SACK blocks on established segments) and no options at all.
 */
export const DEFAULT_TCP_LAYOUTS: { syn: readonly string[]; other: readonly string[] } = {
  syn: ['', '2:4,4:2,8:10,1,3:3', '2:4,1,3:3,1,1,4:2', '2:4,1,3:3,1,1,8:10,4:2,0', '2:4,1,1,4:2', '2:4'],
  other: ['', '1,1,8:10', '1,1,5:10', '1,1,5:18', '1,1,5:26', '1,1,8:10,1,1,5:10', '1,1,8:10,1,1,5:18', '1,1,8:10,1,1,5:26'],
};

/** IPv4 options are rare in real traffic: without learned layouts they are removed (as NetDiffusion). */
export const DEFAULT_IPV4_LAYOUTS: readonly string[] = [''];

function padded(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

/** The key of a list of options. */
export function layoutKey(options: readonly { kind: number; len: number }[]): string {
  return options.map((o) => (o.kind <= 1 ? String(o.kind) : `${o.kind}:${o.len}`)).join(',');
}

/** Parses a layout key; null when it is not one. */
export function parseLayoutKey(key: string): { kind: number; len: number }[] | null {
  if (key === '') return [];
  const out: { kind: number; len: number }[] = [];
  for (const part of key.split(',')) {
    const m = /^(\d{1,3})(?::(\d{1,2}))?$/.exec(part);
    if (!m) return null;
    const kind = Number(m[1]);
    const len = m[2] === undefined ? 1 : Number(m[2]);
    if (kind > 255 || (kind <= 1 && len !== 1) || (kind > 1 && len < 2)) return null;
    out.push({ kind, len });
  }
  return out;
}

/**
 * Reads an option area of a real row: the 0/1 prefix of `areaBits` cells from `start`
 * must be whole bytes followed only by -1, and parse as options (kinds with fixed lengths
 * have them, lengths stay inside the area, after an EOL only zero bytes). Null otherwise.
 */
export function parseOptionArea(row: Int8Array, start: number, areaBits: number, family: OptionFamily): OptionLayout | null {
  let present = 0;
  while (present < areaBits && row[start + present] !== -1) present++;
  for (let i = present; i < areaBits; i++) if (row[start + i] !== -1) return null;
  if (present % 8 !== 0) return null;
  const n = present / 8;
  const byte = (i: number): number => readBitsUint(row, start + i * 8, 8);
  const options: ParsedOption[] = [];
  let i = 0;
  while (i < n) {
    const kind = byte(i);
    if (kind === 0) {
      options.push({ kind: 0, len: 1 });
      for (let j = i + 1; j < n; j++) if (byte(j) !== 0) return null;
      break;
    }
    if (kind === 1) {
      options.push({ kind: 1, len: 1 });
      i++;
      continue;
    }
    if (i + 1 >= n) return null;
    const len = byte(i + 1);
    if (len < 2 || i + len > n) return null;
    const fixed = family === 'tcp' ? TCP_FIXED_LENGTHS[kind] : undefined;
    if (fixed && !fixed.includes(len)) return null;
    const o: ParsedOption = { kind, len };
    if (family === 'tcp' && kind === 2) o.value = readBitsUint(row, start + (i + 2) * 8, 16);
    if (family === 'tcp' && kind === 3) o.value = byte(i + 2);
    options.push(o);
    i += len;
  }
  return { key: layoutKey(options), options, bytes: padded(n), present: n };
}

/** Cell kinds of a template: fixed 0/1, FREE (any bit: an option's value), ABSENT (-1). */
export const FREE = 2;
export const ABSENT = -1;

/** The cells a layout prescribes over an area of `areaBits` cells; null when it does not fit. */
export function layoutTemplate(key: string, areaBits: number): Int8Array | null {
  const options = parseLayoutKey(key);
  if (!options) return null;
  const bytes = padded(options.reduce((a, o) => a + o.len, 0));
  if (bytes * 8 > areaBits) return null;
  const t = new Int8Array(areaBits).fill(ABSENT);
  let at = 0;
  const fixedByte = (v: number): void => {
    for (let b = 0; b < 8; b++) t[at * 8 + b] = (v >> (7 - b)) & 1;
    at++;
  };
  for (const o of options) {
    fixedByte(o.kind);
    if (o.len === 1) continue;
    fixedByte(o.len);
    for (let k = 2; k < o.len; k++) {
      t.fill(FREE, at * 8, at * 8 + 8);
      at++;
    }
  }
  while (at < bytes) fixedByte(0);
  return t;
}

/** Cells of a row that disagree with a template (a FREE cell disagrees only when it is -1). */
export function templateCost(row: Int8Array, start: number, template: Int8Array): number {
  let cost = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as number;
    const r = row[start + i] as number;
    if (t === ABSENT) {
      if (r !== -1) cost++;
    } else if (t === FREE) {
      if (r === -1) cost++;
    } else if (r !== t) cost++;
  }
  return cost;
}

export interface LayoutCandidate {
  key: string;
  /** How often the layout was seen in training (0 for defaults); breaks cost ties. */
  weight: number;
}

export interface SnapChoice {
  key: string;
  template: Int8Array;
  /** Cells that disagreed with it. */
  cost: number;
  bytes: number;
}

/**
 * The candidate layout nearest the row's option cells (fewest disagreeing cells); ties
 * go to the layout seen more often in training, then to the shorter one.
 */
export function nearestLayout(row: Int8Array, start: number, areaBits: number, candidates: readonly LayoutCandidate[]): SnapChoice {
  let best: (SnapChoice & { weight: number }) | null = null;
  const seen = new Set<string>();
  for (const c of [...candidates, { key: '', weight: 0 }]) {
    if (seen.has(c.key)) continue;
    seen.add(c.key);
    const template = layoutTemplate(c.key, areaBits);
    if (!template) continue;
    const cost = templateCost(row, start, template);
    let bytes = 0;
    while (bytes * 8 < areaBits && template[bytes * 8] !== ABSENT) bytes++;
    const better = !best || cost < best.cost || (cost === best.cost && (c.weight > best.weight || (c.weight === best.weight && bytes < best.bytes)));
    if (better) best = { key: c.key, template, cost, bytes, weight: c.weight };
  }
  const { key, template, cost, bytes } = best as SnapChoice & { weight: number };
  return { key, template, cost, bytes };
}

/** Human-readable names of a layout, for reports: `MSS,SACK_PERM,TS,NOP,WS`. */
export function describeLayout(key: string, family: OptionFamily): string {
  const options = parseLayoutKey(key);
  if (!options || options.length === 0) return 'none';
  const names: Record<number, string> =
    family === 'tcp' ? { 0: 'EOL', 1: 'NOP', 2: 'MSS', 3: 'WS', 4: 'SACK_PERM', 5: 'SACK', 8: 'TS' } : { 0: 'EOL', 1: 'NOP' };
  return options.map((o) => names[o.kind] ?? `kind${o.kind}/${o.len}`).join(',');
}
