// Seeded mutations of capture files, configs and model folders for the fuzzing harness.
// Every mutant is a pure function of (base bytes, seed, index): a failure found by `pnpm fuzz`
// is reproduced by the same seed and index. Mutations know the container layout (pcap
// records, pcapng blocks) so they hit the length fields, link types, byte order and timestamp
// resolution a reader trusts, not only random bytes.
import { createRng } from '@netsynth/core';

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;

/** Length values a reader has to survive. */
const HOSTILE_LENGTHS = [0, 1, 3, 4, 11, 12, 13, 20, 32, 63, 65535, 65536, 70000, 262144, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];
/** Link types: supported ones, neighbours and nonsense. */
const LINK_TYPES = [0, 1, 9, 12, 101, 105, 108, 113, 127, 228, 229, 276, 0xffff, 147, 2, 50];

/** Where the containers' fields are: the records (pcap) or blocks (pcapng) of a valid base file. */
export function layoutOf(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) return { format: 'unknown', little: true, units: [] };
  const magicLe = dv.getUint32(0, true);
  if (magicLe === PCAPNG_SHB) return pcapngLayout(dv);
  const little = magicLe === PCAP_MAGIC_US || magicLe === PCAP_MAGIC_NS;
  const units = [];
  for (let at = 24; at + 16 <= bytes.length;) {
    const incl = dv.getUint32(at + 8, little);
    units.push({ at, kind: 'record', dataAt: at + 16, length: incl });
    at += 16 + incl;
  }
  return { format: 'pcap', little, units };
}

function pcapngLayout(dv) {
  const units = [];
  let little = true;
  for (let at = 0; at + 12 <= dv.byteLength;) {
    if (dv.getUint32(at, true) === PCAPNG_SHB) little = dv.getUint32(at + 8, true) === 0x1a2b3c4d;
    const type = dv.getUint32(at, little);
    const total = dv.getUint32(at + 4, little);
    if (total < 12 || at + total > dv.byteLength) break;
    units.push({ at, kind: 'block', type, total, dataAt: type === 6 ? at + 28 : at + 8, length: type === 6 ? dv.getUint32(at + 20, little) : total - 12 });
    at += total;
  }
  return { format: 'pcapng', little, units };
}

const pick = (rng, items) => items[rng.int(items.length)];

function flipBits(out, rng, from, to, count) {
  if (to <= from) return;
  for (let i = 0; i < count; i++) {
    const bit = from * 8 + rng.int((to - from) * 8);
    out[bit >> 3] ^= 0x80 >> (bit & 7);
  }
}

/** Each mutation: (copy of base, layout, rng) → description; edits `out` in place or returns a new array. */
const CAPTURE_MUTATIONS = {
  bitflip(out, _l, rng) {
    const n = 1 + rng.int(8);
    flipBits(out, rng, 0, out.length, n);
    return { what: `${n} random bit flip(s)` };
  },
  headerflip(out, l, rng) {
    const packets = l.units.filter((u) => u.kind === 'record' || u.type === 6);
    const n = 1 + rng.int(3);
    for (let i = 0; i < n && packets.length; i++) {
      const u = pick(rng, packets);
      flipBits(out, rng, u.dataAt, Math.min(out.length, u.dataAt + Math.min(u.length, 64)), 1);
    }
    return { what: `${n} bit flip(s) in packet headers` };
  },
  truncate(out, _l, rng) {
    const at = rng.int(out.length);
    return { what: `truncated at ${at}`, bytes: out.subarray(0, at) };
  },
  recordlength(out, l, rng) {
    const packets = l.units.filter((u) => u.kind === 'record' || u.type === 6);
    if (!packets.length) return CAPTURE_MUTATIONS.bitflip(out, l, rng);
    const u = pick(rng, packets);
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const field = u.kind === 'record' ? u.at + 8 + 4 * rng.int(2) : u.at + 20 + 4 * rng.int(2);
    const value = rng.int(3) === 0 ? (u.length + rng.int(9) - 4) >>> 0 : pick(rng, HOSTILE_LENGTHS);
    dv.setUint32(field, value, l.little);
    return { what: `${u.kind === 'record' ? 'incl/orig_len' : 'EPB cap/orig len'} at ${field} = ${value}` };
  },
  blocklength(out, l, rng) {
    const blocks = l.units.filter((u) => u.kind === 'block');
    if (!blocks.length) return CAPTURE_MUTATIONS.recordlength(out, l, rng);
    const u = pick(rng, blocks);
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const trailing = rng.int(2) === 1;
    const field = trailing ? u.at + u.total - 4 : u.at + 4;
    const value = rng.int(2) === 0 ? (u.total + pick(rng, [-8, -4, -1, 1, 2, 4, 8])) >>> 0 : pick(rng, HOSTILE_LENGTHS);
    dv.setUint32(field, value, l.little);
    return { what: `block (type ${u.type}) ${trailing ? 'trailing' : 'leading'} length at ${field} = ${value}` };
  },
  linktype(out, l, rng) {
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const value = pick(rng, LINK_TYPES);
    if (l.format === 'pcap') {
      dv.setUint32(20, value, l.little);
      return { what: `link type ${value}` };
    }
    const idbs = l.units.filter((u) => u.type === 1);
    if (!idbs.length) return CAPTURE_MUTATIONS.bitflip(out, l, rng);
    const u = pick(rng, idbs);
    dv.setUint16(u.at + 8, value, l.little);
    return { what: `IDB at ${u.at} link type ${value}` };
  },
  endianness(out, l, rng) {
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (rng.int(2) === 0 && l.format === 'pcap') return { what: 'whole file byte-swapped (valid big/little-endian twin)', bytes: swapPcap(out, l) };
    // Only the byte-order mark flips: every later field is read the wrong way round.
    if (l.format === 'pcap') dv.setUint32(0, dv.getUint32(0, l.little), !l.little);
    else dv.setUint32(8, 0x1a2b3c4d, !l.little);
    return { what: 'byte-order mark flipped, fields left' };
  },
  nanosecond(out, l, rng) {
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (l.format === 'pcap') {
      const magic = dv.getUint32(0, l.little) === PCAP_MAGIC_NS ? PCAP_MAGIC_US : PCAP_MAGIC_NS;
      dv.setUint32(0, magic, l.little);
      const records = l.units.filter((u) => u.kind === 'record');
      for (let i = 0; i < 3 && records.length; i++)
        dv.setUint32(pick(rng, records).at + 4, pick(rng, [999999999, 1000000000, 0xffffffff, rng.uint32()]), l.little);
      return { what: `timestamp magic 0x${magic.toString(16)}, sub-second fields out of range` };
    }
    const epbs = l.units.filter((u) => u.type === 6);
    for (let i = 0; i < 3 && epbs.length; i++) dv.setUint32(pick(rng, epbs).at + 12, rng.uint32(), l.little);
    return { what: 'EPB timestamps' };
  },
  snaplength(out, l, rng) {
    // A headers-only trace: each record keeps its first `snap` bytes (a valid file).
    if (l.format !== 'pcap') return CAPTURE_MUTATIONS.headerflip(out, l, rng);
    const snap = pick(rng, [14, 20, 28, 34, 40, 54, 60, 64]);
    return { what: `snap length ${snap}`, bytes: snapCut(out, l, snap) };
  },
};

function swapPcap(src, l) {
  const out = src.slice();
  const from = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const to = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const u32 = (at) => to.setUint32(at, from.getUint32(at, l.little), !l.little);
  const u16 = (at) => to.setUint16(at, from.getUint16(at, l.little), !l.little);
  (u32(0), u16(4), u16(6), u32(8), u32(12), u32(16), u32(20));
  for (const r of l.units) for (let k = 0; k < 16; k += 4) if (r.at + k + 4 <= src.length) u32(r.at + k);
  return out;
}

function snapCut(src, l, snap) {
  const parts = [src.subarray(0, 24)];
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (const r of l.units) {
    if (r.dataAt + r.length > src.length) break;
    const keep = Math.min(snap, r.length);
    const head = src.slice(r.at, r.at + 16);
    new DataView(head.buffer).setUint32(8, keep, l.little);
    new DataView(head.buffer).setUint32(12, Math.max(dv.getUint32(r.at + 12, l.little), r.length), l.little);
    parts.push(head, src.subarray(r.dataAt, r.dataAt + keep));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  new DataView(out.buffer).setUint32(16, snap, l.little);
  return out;
}

export const CAPTURE_MUTATION_NAMES = Object.keys(CAPTURE_MUTATIONS);

/** Mutant `index` of a capture: { bytes, what }. */
export function mutateCapture(base, seed, index, layout = layoutOf(base)) {
  const rng = createRng(seed).fork(`capture#${index}`);
  const name = CAPTURE_MUTATION_NAMES[index % CAPTURE_MUTATION_NAMES.length];
  const out = base.slice();
  const r = CAPTURE_MUTATIONS[name](out, layout, rng);
  return { bytes: r.bytes ?? out, what: `${name}: ${r.what}` };
}

// ------------------------------------------------------------------ configs

const NUMBERS = ['-1', '0', '1e309', '0.5', '99999999999999999999', 'NaN', '.inf', '"3"', '[]', '{}', 'null', '~', 'yes'];

const CONFIG_MUTATIONS = {
  aliasbomb: () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`,
      );
    return { text: `${lines.join('\n')}\ninput:\n  captures: *l\n`, what: 'YAML alias bomb' };
  },
  deepnest: (_b, rng) => {
    const depth = 200 + rng.int(5000);
    return { text: `input:\n  captures: ${'['.repeat(depth)}${']'.repeat(depth)}\n`, what: `nesting depth ${depth}` };
  },
  keytypo: (b, rng) => {
    const keys = [...b.matchAll(/^(\s*)([A-Za-z]+):/gm)];
    const m = pick(rng, keys);
    const key = m[2];
    const i = rng.int(key.length - 1);
    const typo = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
    return { text: b.slice(0, m.index) + m[1] + typo + b.slice(m.index + m[0].length - 1), what: `key ${key} → ${typo}` };
  },
  wrongvalue: (b, rng) => {
    const values = [...b.matchAll(/: ([^\n]+)$/gm)];
    const m = pick(rng, values);
    const v = pick(rng, NUMBERS);
    return { text: b.slice(0, m.index) + `: ${v}` + b.slice(m.index + m[0].length), what: `value ${m[1]} → ${v}` };
  },
  deleteline: (b, rng) => {
    const lines = b.split('\n');
    const i = rng.int(lines.length);
    return { text: lines.filter((_, j) => j !== i).join('\n'), what: `line ${i + 1} deleted` };
  },
  bitflip: (b, rng) => {
    const bytes = new TextEncoder().encode(b);
    flipBits(bytes, rng, 0, bytes.length, 1 + rng.int(4));
    return { bytes, what: 'bit flips in the YAML text' };
  },
  truncate: (b, rng) => {
    const at = rng.int(b.length);
    return { text: b.slice(0, at), what: `truncated at ${at}` };
  },
  syntax: (b, rng) => {
    const junk = pick(rng, ['\t', ': :', '- - -', '{', '"', '&', '*nothing', '!!binary x', '? ', '%YAML 9.9', '\u0000', '<<: *x', '\uFEFF']);
    const at = rng.int(b.length);
    return { text: b.slice(0, at) + junk + b.slice(at), what: `inserted ${JSON.stringify(junk)} at ${at}` };
  },
  hugestring: (_b, rng) => ({ text: `name: "${'x'.repeat(1 + rng.int(2_000_000))}"\ninput:\n  captures: [a.pcap]\n`, what: 'huge string' }),
  scalarroot: (_b, rng) => ({ text: pick(rng, ['42', '"text"', '[]', 'null', '', '---\n---\n', '- a\n- b']), what: 'not a mapping' }),
};

export const CONFIG_MUTATION_NAMES = Object.keys(CONFIG_MUTATIONS);

/** Mutant `index` of a config text: { bytes, what }. */
export function mutateConfig(base, seed, index) {
  const rng = createRng(seed).fork(`config#${index}`);
  const name = CONFIG_MUTATION_NAMES[index % CONFIG_MUTATION_NAMES.length];
  const r = CONFIG_MUTATIONS[name](base, rng);
  return { bytes: r.bytes ?? new TextEncoder().encode(r.text), what: `${name}: ${r.what}` };
}

// ------------------------------------------------------------------ model folders

/** Values a model.json reader has to refuse: wrong types and numbers out of range. */
const HOSTILE_VALUES = ['8x8', '', -1, 0, 0.5, 1e9, 2 ** 53, -1e308, 1e308, null, true, [], {}, [0], { a: 1 }, ['x']];
/** Safetensors dtypes, real and not. */
const DTYPES = ['F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'U8', 'BOOL', 'X', '', 'f32'];
/** float32 bit patterns a tensor must not smuggle into sampling: NaN, ±Inf, a huge value. */
const POISON = [0x7fc00000, 0x7f800000, 0xff800000, 0x7f7fffff];

/** Every path (array of keys) to a value inside a JSON document. */
function jsonPaths(value, path = [], out = []) {
  if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      out.push([...path, k]);
      jsonPaths(value[k], [...path, k], out);
    }
  }
  return out;
}

/** The keys sampling reads first; half the edits go there, not into the (large) encoder state. */
const SAMPLING_KEYS = ['format', 'spec', 'geometry', 'schedule', 'prediction', 'labels', 'training'];

function pickPath(doc, rng, filter = () => true) {
  const all = jsonPaths(doc).filter((p) => filter(p.reduce((o, k) => o[k], doc)));
  const focused = all.filter((p) => SAMPLING_KEYS.includes(p[0]));
  return pick(rng, focused.length > 0 && rng.int(2) === 0 ? focused : all);
}

function editJson(text, rng, edit) {
  const doc = JSON.parse(text);
  const path = pickPath(doc, rng);
  const parent = path.slice(0, -1).reduce((o, k) => o[k], doc);
  const key = path[path.length - 1];
  const what = edit(parent, key);
  return { text: JSON.stringify(doc), what: `${path.join('.')}: ${what}` };
}

/** Splits a safetensors file into its header (parsed) and data. */
function safetensorsParts(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

function safetensorsJoin(header, data) {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function tensorEntry(header, rng) {
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = pick(rng, names);
  return { name, entry: header[name] };
}

/** Writes a poison float32 at `count` aligned places of [from, to). */
function poisonFloats(out, rng, from, to, count) {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const slots = Math.floor((to - from) / 4);
  if (slots <= 0) return;
  for (let i = 0; i < count; i++) dv.setUint32(from + 4 * rng.int(slots), pick(rng, POISON), true);
}

/**
 * Each mutation: (files: { name → bytes }, rng) → { files, what, resume? }. `null` removes a
 * file. `resume: true` makes the run resume training from the (mutated) checkpoint; otherwise
 * the run samples from the mutated model.onnx / model.json.
 */
const MODEL_MUTATIONS = {
  jsonDropKey: (f, rng) => {
    const r = editJson(new TextDecoder().decode(f['model.json']), rng, (parent, key) => {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      return 'removed';
    });
    return { files: { 'model.json': r.text }, what: `model.json ${r.what}` };
  },
  jsonRetype: (f, rng) => {
    const r = editJson(new TextDecoder().decode(f['model.json']), rng, (parent, key) => {
      const v = pick(rng, HOSTILE_VALUES);
      parent[key] = v;
      return `→ ${JSON.stringify(v)}`;
    });
    return { files: { 'model.json': r.text }, what: `model.json ${r.what}` };
  },
  jsonNumber: (f, rng) => {
    const doc = JSON.parse(new TextDecoder().decode(f['model.json']));
    const path = pickPath(doc, rng, (v) => typeof v === 'number');
    const parent = path.slice(0, -1).reduce((o, k) => o[k], doc);
    const key = path[path.length - 1];
    const v = pick(rng, [0, -1, 1, 2, 3, 7, 1e6, 2 ** 31, 0.25, -0.5, parent[key] * 2, parent[key] + 1]);
    parent[key] = v;
    return { files: { 'model.json': JSON.stringify(doc) }, what: `model.json ${path.join('.')} → ${v}` };
  },
  jsonText: (f, rng) => {
    const bytes = Uint8Array.from(f['model.json']);
    if (rng.int(2) === 0) {
      flipBits(bytes, rng, 0, bytes.length, 1 + rng.int(4));
      return { files: { 'model.json': bytes }, what: 'model.json bit flips' };
    }
    const at = rng.int(bytes.length);
    return { files: { 'model.json': bytes.subarray(0, at) }, what: `model.json truncated at ${at}` };
  },
  onnxBitflip: (f, rng) => {
    const bytes = Uint8Array.from(f['model.onnx']);
    const n = 1 + rng.int(16);
    flipBits(bytes, rng, 0, bytes.length, n);
    return { files: { 'model.onnx': bytes }, what: `model.onnx ${n} bit flips` };
  },
  onnxTruncate: (f, rng) => {
    const at = rng.int(f['model.onnx'].length);
    return { files: { 'model.onnx': f['model.onnx'].subarray(0, at) }, what: `model.onnx truncated at ${at}` };
  },
  onnxPoison: (f, rng) => {
    const bytes = Uint8Array.from(f['model.onnx']);
    // The weights are the bulk of the file, after the graph: poison floats in its second half.
    poisonFloats(bytes, rng, bytes.length >> 1, bytes.length, 1 + rng.int(32));
    return { files: { 'model.onnx': bytes }, what: 'model.onnx NaN/Inf/huge floats in the weights' };
  },
  checkpointHeader: (f, rng) => {
    const { header, data } = safetensorsParts(f['checkpoint.safetensors']);
    const { name, entry } = tensorEntry(header, rng);
    const field = pick(rng, ['dtype', 'shape', 'data_offsets', 'remove', 'metadata']);
    let what;
    if (field === 'dtype') what = `dtype → ${(entry.dtype = pick(rng, DTYPES))}`;
    else if (field === 'shape') {
      entry.shape = pick(rng, [[], [0], [1], [-1], [2 ** 40], [...entry.shape, 2], entry.shape.slice(1), ['a'], null]);
      what = `shape → ${JSON.stringify(entry.shape)}`;
    } else if (field === 'data_offsets') {
      const [a, b] = entry.data_offsets;
      entry.data_offsets = pick(rng, [[b, a], [a, b + 4], [a, data.length + 1024], [-4, b], [a, a], [a + 1, b + 1], [a], 'x']);
      what = `data_offsets → ${JSON.stringify(entry.data_offsets)}`;
    } else if (field === 'remove') {
      delete header[name];
      what = 'removed';
    } else {
      const keys = Object.keys(header.__metadata__ ?? {});
      const k = pick(rng, keys);
      header.__metadata__[k] = pick(rng, ['', 'x', '-1', '1e9', '[', '{}', '99999999']);
      return { files: { 'checkpoint.safetensors': safetensorsJoin(header, data) }, what: `checkpoint metadata ${k} → ${header.__metadata__[k]}`, resume: true };
    }
    return { files: { 'checkpoint.safetensors': safetensorsJoin(header, data) }, what: `checkpoint ${name} ${what}`, resume: true };
  },
  checkpointBytes: (f, rng) => {
    const bytes = Uint8Array.from(f['checkpoint.safetensors']);
    const dv = new DataView(bytes.buffer);
    const how = rng.int(4);
    if (how === 0) {
      dv.setBigUint64(0, BigInt(pick(rng, HOSTILE_LENGTHS)), true);
      return { files: { 'checkpoint.safetensors': bytes }, what: 'checkpoint header length', resume: true };
    }
    if (how === 1) {
      const at = rng.int(bytes.length);
      return { files: { 'checkpoint.safetensors': bytes.subarray(0, at) }, what: `checkpoint truncated at ${at}`, resume: true };
    }
    const headerEnd = 8 + Number(dv.getBigUint64(0, true));
    if (how === 2) flipBits(bytes, rng, 0, headerEnd, 1 + rng.int(4));
    else poisonFloats(bytes, rng, headerEnd, bytes.length, 1 + rng.int(64));
    return { files: { 'checkpoint.safetensors': bytes }, what: how === 2 ? 'checkpoint header bit flips' : 'checkpoint NaN/Inf tensors', resume: true };
  },
  missingFile: (f, rng) => {
    const name = pick(rng, Object.keys(f));
    const resume = name === 'checkpoint.safetensors' || rng.int(2) === 0;
    return { files: { [name]: null }, what: `${name} missing${resume ? ' (resuming training)' : ''}`, resume };
  },
};

export const MODEL_MUTATION_NAMES = Object.keys(MODEL_MUTATIONS);

/**
 * Mutant `index` of a model folder given as { file name → bytes }: { files, what, resume }, where
 * `files` holds only the changed files (bytes, or null for a removed one).
 */
export function mutateModel(base, seed, index) {
  const rng = createRng(seed).fork(`model#${index}`);
  const name = MODEL_MUTATION_NAMES[index % MODEL_MUTATION_NAMES.length];
  const r = MODEL_MUTATIONS[name](base, rng);
  const files = Object.fromEntries(Object.entries(r.files).map(([k, v]) => [k, typeof v === 'string' ? new TextEncoder().encode(v) : v]));
  return { files, what: `${name}: ${r.what}`, resume: r.resume ?? false };
}
