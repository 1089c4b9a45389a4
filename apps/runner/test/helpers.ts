import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recomputeChecksums, writePcap } from '@netsynth/pcap';
import { LinkType, type LabelledSample, type Packet } from '@netsynth/core';

export const RUNNER_ROOT = fileURLToPath(new URL('..', import.meta.url));

const made: string[] = [];

/** A fresh temporary folder, removed by `cleanupTmp()` (call it in afterAll). */
export function tmp(prefix = 'netsynth-runner-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTmp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * Makes `@netsynth/core` and `zod` importable from `dir` (plain-JS plugin fixtures in a temp
 * folder import them) by linking the runner's own copies into dir/node_modules.
 */
export function linkCoreInto(dir: string): void {
  for (const name of ['@netsynth/core', 'zod']) {
    const target = join(dir, 'node_modules', name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(RUNNER_ROOT, 'node_modules', name), target, 'dir');
  }
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}

interface TcpSpec {
  t: bigint;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  payload: number;
  ttl?: number;
}

function ipBytes(a: string): number[] {
  return a.split('.').map(Number);
}

/** A raw-IP (link type 101) IPv4/TCP packet with correct checksums. */
export function tcpPacket(s: TcpSpec): Packet {
  const total = 20 + 20 + s.payload;
  const d = new Uint8Array(total);
  const v = new DataView(d.buffer);
  d[0] = 0x45;
  v.setUint16(2, total);
  v.setUint16(4, (s.seq & 0xffff) ^ 0x1234);
  v.setUint16(6, 0x4000);
  d[8] = s.ttl ?? 64;
  d[9] = 6;
  d.set(ipBytes(s.src), 12);
  d.set(ipBytes(s.dst), 16);
  v.setUint16(20, s.sport);
  v.setUint16(22, s.dport);
  v.setUint32(24, s.seq >>> 0);
  v.setUint32(28, s.ack >>> 0);
  d[32] = 5 << 4;
  d[33] = s.flags;
  v.setUint16(34, 64240);
  for (let i = 0; i < s.payload; i++) d[40 + i] = (i * 7 + s.seq) & 0xff;
  return recomputeChecksums({ timestampNs: s.t, capturedLength: total, originalLength: total, linkType: LinkType.RAW, data: d });
}

/**
 * A small TCP conversation: handshake, `exchanges` request/response pairs with payload
 * sizes that depend on `flavour`, and a FIN teardown.
 */
export function tcpConversation(flavour: number, clientPort: number, startNs: bigint, exchanges = 4, ttl = 64): Packet[] {
  const c = '10.0.0.2';
  const s = '10.0.0.1';
  const out: Packet[] = [];
  let t = startNs;
  let cseq = 1000 + clientPort;
  let sseq = 5000 + clientPort;
  const step = (): bigint => (t += 1_000_000n);
  out.push(tcpPacket({ t: step(), src: c, dst: s, sport: clientPort, dport: 80, seq: cseq, ack: 0, flags: 0x02, payload: 0, ttl }));
  out.push(tcpPacket({ t: step(), src: s, dst: c, sport: 80, dport: clientPort, seq: sseq, ack: cseq + 1, flags: 0x12, payload: 0, ttl }));
  cseq++;
  sseq++;
  out.push(tcpPacket({ t: step(), src: c, dst: s, sport: clientPort, dport: 80, seq: cseq, ack: sseq, flags: 0x10, payload: 0, ttl }));
  for (let i = 0; i < exchanges; i++) {
    const req = 40 + flavour * 10 + i;
    const resp = 200 + flavour * 300 + i * 5;
    out.push(tcpPacket({ t: step(), src: c, dst: s, sport: clientPort, dport: 80, seq: cseq, ack: sseq, flags: 0x18, payload: req, ttl }));
    cseq += req;
    out.push(tcpPacket({ t: step(), src: s, dst: c, sport: 80, dport: clientPort, seq: sseq, ack: cseq, flags: 0x18, payload: resp, ttl }));
    sseq += resp;
  }
  out.push(tcpPacket({ t: step(), src: c, dst: s, sport: clientPort, dport: 80, seq: cseq, ack: sseq, flags: 0x11, payload: 0, ttl }));
  out.push(tcpPacket({ t: step(), src: s, dst: c, sport: 80, dport: clientPort, seq: sseq, ack: cseq + 1, flags: 0x11, payload: 0, ttl }));
  return out;
}

/**
 * Writes two labelled captures into dir/captures: web.pcap (flavour 0) and bulk.pcap
 * (flavour 1), each with `flows` conversations. Returns their paths.
 */
export async function writeTinyCaptures(dir: string, flows = 6, ttl = 64): Promise<string[]> {
  const files: string[] = [];
  for (const [name, flavour] of [
    ['web', 0],
    ['bulk', 1],
  ] as const) {
    const packets: Packet[] = [];
    for (let f = 0; f < flows; f++) packets.push(...tcpConversation(flavour, 40000 + f, 1_700_000_000_000_000_000n + BigInt(f) * 1_000_000_000n, 4, ttl));
    const file = join(dir, 'captures', `${name}.pcap`);
    mkdirSync(dirname(file), { recursive: true });
    await writePcap(file, packets, { linkType: LinkType.RAW, force: true });
    files.push(file);
  }
  return files;
}

/** Writes the samples' packets, in time order, as one raw-IP nanosecond pcap (a capture for `eval`/`compare`). */
export async function writeSamples(path: string, samples: readonly LabelledSample[]): Promise<void> {
  const packets = samples.flatMap((s) => s.flow.packets).sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0));
  await writePcap(path, packets, { linkType: LinkType.RAW, nanosecond: true });
}
