import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EngineError, InterruptedError } from '@netsynth/core';

/** What tshark says about a capture, per packet counted once. */
export interface TsharkCounts {
  packets: number;
  /** Packets with a "[Malformed Packet]" (a dissector exception). */
  malformed: number;
  /** Packets with at least one expert item of severity Error (includes bad checksums). */
  expertErrors: number;
  /** Packets with at least one expert item of severity Warning. */
  expertWarnings: number;
  /** Packets where an IPv4, TCP, UDP or ICMP checksum was verified and found bad. */
  badChecksums: number;
  /** tshark's complaint when it stopped early (e.g. a capture cut short) but read packets. */
  warning?: string;
}

// Wireshark's expert severities (epan/proto.h: PI_WARN, PI_ERROR).
const PI_WARN = 0x00600000;
const PI_ERROR = 0x00800000;
const CHECKSUM_BAD = '0';

let cachedPath: string | null | undefined;

/** The tshark binary on PATH (or $NETSYNTH_TSHARK), or null. Checked once. */
export function findTshark(): string | null {
  if (cachedPath !== undefined) return cachedPath;
  const candidate = process.env['NETSYNTH_TSHARK'] ?? 'tshark';
  const r = spawnSync(candidate, ['-v'], { stdio: 'ignore', timeout: 20_000 });
  cachedPath = r.status === 0 ? candidate : null;
  return cachedPath;
}

const FIELDS = [
  'frame.number',
  '_ws.malformed',
  '_ws.expert.severity',
  'ip.checksum.status',
  'tcp.checksum.status',
  'udp.checksum.status',
  'icmp.checksum.status',
];

/**
 * tshark drops its dissection state (conversations, TCP analysis, reassembly) every this many
 * packets (its -M session reset). Kept whole, that state grows with the capture: 2.06 GB for
 * a 1 GB capture of 3.9 M packets, 0.63 GB with resets (some of tshark's memory still grows).
 * Only analysis that spans a reset can differ (a flow's sequence history starts afresh; the
 * lab captures read with a reset every 2000 packets gave the same counts), and a capture
 * shorter than this is read exactly as before.
 */
export const TSHARK_SESSION_PACKETS = 100_000;

/**
 * One pass of tshark over the capture with checksum validation switched on (it is off by
 * default), printing per packet the malformed marker, expert severities and checksum statuses.
 */
export async function tsharkCounts(pcapPath: string, tshark = findTshark(), signal?: AbortSignal): Promise<TsharkCounts> {
  if (!tshark) throw new EngineError('tshark is not on PATH');
  const args = [
    '-n',
    '-M',
    String(TSHARK_SESSION_PACKETS),
    '-r',
    pcapPath,
    '-o',
    'ip.check_checksum:TRUE',
    '-o',
    'tcp.check_checksum:TRUE',
    '-o',
    'udp.check_checksum:TRUE',
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
    ...FIELDS.flatMap((f) => ['-e', f]),
  ];
  const child = spawn(tshark, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal && { signal }) });
  const counts: TsharkCounts = { packets: 0, malformed: 0, expertErrors: 0, expertWarnings: 0, badChecksums: 0 };
  let stderr = '';
  // The tail: a session reset prints a line each time, so the complaint that matters is last.
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    // Ctrl-C aborts tshark through `signal`: that is an interruption, not an engine failure.
    child.on('error', (e) => reject(signal?.aborted ? new InterruptedError('tshark stopped: interrupted') : e));
    child.on('close', resolve);
  });
  // It may reject while stdout is still read below; without a handler by then Node quits on it
  // (issue 20: Ctrl-C during `eval` died with an AbortError stack). Awaited after the loop.
  exited.catch(() => undefined);
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line) continue;
    const [, malformed = '', severity = '', ...checksums] = line.split('\t');
    counts.packets++;
    if (malformed !== '') counts.malformed++;
    const severities = severity === '' ? [] : severity.split(',').map(Number);
    if (severities.some((s) => s >= PI_ERROR)) counts.expertErrors++;
    if (severities.some((s) => s >= PI_WARN && s < PI_ERROR)) counts.expertWarnings++;
    if (checksums.some((c) => c.split(',').includes(CHECKSUM_BAD))) counts.badChecksums++;
  }
  const code = await exited;
  if (code !== 0) {
    const why = stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('Running as user') && l !== 'resetting session.')
      .slice(-3)
      .join(' / ');
    if (counts.packets === 0) throw new EngineError(`tshark exited with ${code}: ${why}`, { file: pcapPath });
    counts.warning = `tshark exited with ${code}: ${why}`;
  }
  return counts;
}
