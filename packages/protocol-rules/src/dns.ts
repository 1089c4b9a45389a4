/**
 * The DNS messages decode writes when a class's UDP traffic is DNS (RFC 1035): a header, one
 * question, and (responses) the answer records learned for that question. Only what we need to
 * recognise DNS in real payloads and to write valid messages; no compression except the
 * answers' pointer to the question name.
 */

export interface DnsQuestion {
  /** Dotted name, '' for the root. */
  name: string;
  type: number;
  klass: number;
}

export interface DnsAnswer {
  type: number;
  klass: number;
  ttl: number;
  /** rdata as hex. */
  rdata: string;
}

export interface DnsMessage {
  id: number;
  flags: number;
  question: DnsQuestion;
  answers: DnsAnswer[];
  /** EDNS(0) OPT record's UDP payload size, when the message carries one after its answers. */
  ednsUdpSize?: number;
  /** The OPT record's options (e.g. a COOKIE, code 10), data as hex; none when absent. */
  ednsOptions?: { code: number; data: string }[];
}

/** An OPT record's option layout as "code:length" pairs ("10:8"), '' for none: what a class profile keeps. */
export function ednsLayout(m: DnsMessage): string {
  return (m.ednsOptions ?? []).map((o) => `${o.code}:${o.data.length / 2}`).join(',');
}

/** The options of a layout, their data drawn by `byte` (option values such as cookies are per-client random). */
export function ednsOptionsOf(layout: string, byte: () => number): { code: number; data: string }[] {
  return layout
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [code = 0, length = 0] = pair.split(':').map(Number);
      return { code, data: Buffer.from(Array.from({ length }, byte)).toString('hex') };
    });
}

/** The options of an OPT record's RDATA; undefined when they do not tile it exactly. */
function readOptions(b: Uint8Array, at: number, end: number): { code: number; data: string }[] | undefined {
  const out: { code: number; data: string }[] = [];
  let i = at;
  while (i + 4 <= end) {
    const len = u16(b, i + 2);
    if (i + 4 + len > end) return undefined;
    out.push({ code: u16(b, i), data: Buffer.from(b.subarray(i + 4, i + 4 + len)).toString('hex') });
    i += 4 + len;
  }
  return i === end ? out : undefined;
}

const u16 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u32 = (b: Uint8Array, at: number): number => u16(b, at) * 65536 + u16(b, at + 2);

/** A name of plain labels (no pointer) starting at `at`; undefined when it is not one. */
function readName(b: Uint8Array, at: number): { name: string; end: number } | undefined {
  const labels: string[] = [];
  let i = at;
  for (let guard = 0; guard < 128; guard++) {
    const len = b[i];
    if (len === undefined || len > 63) return undefined;
    if (len === 0) return { name: labels.join('.'), end: i + 1 };
    if (i + 1 + len > b.length) return undefined;
    const label = b.subarray(i + 1, i + 1 + len);
    // Hostname-like labels only: random payloads that happen to fit the grammar are rejected here.
    if (!label.every((c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f)) return undefined;
    labels.push(String.fromCharCode(...label));
    i += 1 + len;
  }
  return undefined;
}

/** Skips a possibly compressed name; returns the offset after it. */
function skipName(b: Uint8Array, at: number): number | undefined {
  let i = at;
  while (i < b.length) {
    const len = b[i] as number;
    if (len === 0) return i + 1;
    if ((len & 0xc0) === 0xc0) return i + 2;
    if (len > 63) return undefined;
    i += 1 + len;
  }
  return undefined;
}

/** Parses a message with exactly one question; undefined when the bytes are not such a DNS message. */
export function parseDns(b: Uint8Array): DnsMessage | undefined {
  if (b.length < 17) return undefined;
  const qd = u16(b, 4);
  const an = u16(b, 6);
  const ns = u16(b, 8);
  const ar = u16(b, 10);
  if (qd !== 1 || an > 64 || ns > 64 || ar > 8) return undefined;
  const q = readName(b, 12);
  if (!q || q.end + 4 > b.length) return undefined;
  const question = { name: q.name, type: u16(b, q.end), klass: u16(b, q.end + 2) };
  if (question.type === 0 || question.klass === 0) return undefined;
  let i = q.end + 4;
  const answers: DnsAnswer[] = [];
  for (let k = 0; k < an; k++) {
    const end = skipName(b, i);
    if (end === undefined || end + 10 > b.length) return undefined;
    const rdlen = u16(b, end + 8);
    if (end + 10 + rdlen > b.length) return undefined;
    answers.push({
      type: u16(b, end),
      klass: u16(b, end + 2),
      ttl: u32(b, end + 4),
      rdata: Buffer.from(b.subarray(end + 10, end + 10 + rdlen)).toString('hex'),
    });
    i = end + 10 + rdlen;
  }
  const msg: DnsMessage = { id: u16(b, 0), flags: u16(b, 2), question, answers };
  // A lone EDNS OPT record (root name, type 41) as the only additional: keep its UDP size.
  if (ns === 0 && ar === 1 && b[i] === 0 && u16(b, i + 1) === 41) {
    msg.ednsUdpSize = u16(b, i + 3);
    const rdEnd = i + 11 + u16(b, i + 9);
    const options = rdEnd <= b.length ? readOptions(b, i + 11, rdEnd) : undefined;
    if (options?.length) msg.ednsOptions = options;
  }
  return msg;
}

function nameBytes(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.').filter(Boolean)) out.push(label.length, ...Buffer.from(label, 'latin1'));
  out.push(0);
  return out;
}

const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number): number[] => [...be16(Math.floor(v / 65536) & 0xffff), ...be16(v & 0xffff)];

/** The wire bytes of a message: header, question, answers (name = pointer to the question), optional OPT. */
export function buildDns(m: DnsMessage): Uint8Array {
  const out: number[] = [...be16(m.id), ...be16(m.flags), ...be16(1), ...be16(m.answers.length), ...be16(0), ...be16(m.ednsUdpSize === undefined ? 0 : 1)];
  out.push(...nameBytes(m.question.name), ...be16(m.question.type), ...be16(m.question.klass));
  for (const a of m.answers) {
    const rdata = Buffer.from(a.rdata, 'hex');
    out.push(0xc0, 12, ...be16(a.type), ...be16(a.klass), ...be32(a.ttl), ...be16(rdata.length), ...rdata);
  }
  if (m.ednsUdpSize !== undefined) {
    const rdata = (m.ednsOptions ?? []).flatMap((o) => {
      const data = Buffer.from(o.data, 'hex');
      return [...be16(o.code), ...be16(data.length), ...data];
    });
    out.push(0, ...be16(41), ...be16(m.ednsUdpSize), 0, 0, 0, 0, ...be16(rdata.length), ...rdata);
  }
  return Uint8Array.from(out);
}
