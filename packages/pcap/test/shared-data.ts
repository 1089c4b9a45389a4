import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/data from the repo root (this file is packages/pcap/test/); NETSYNTH_SHARED_DATA overrides it. */
export const SHARED = process.env.NETSYNTH_SHARED_DATA ?? fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const HAVE_SHARED = existsSync(join(SHARED, 'lab'));

/** Every capture under lab/ and packets/ (by name: .pcap, .pcapng and the odd dns.pcapclear). */
export function sharedCaptures(): string[] {
  if (!HAVE_SHARED) return [];
  const out: string[] = [];
  for (const dir of ['lab', 'packets']) {
    const abs = join(SHARED, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).sort()) if (/\.pcap/.test(name)) out.push(join(abs, name));
  }
  return out;
}

export function labCaptures(): string[] {
  return sharedCaptures().filter((p) => p.includes('/lab/'));
}

export function largestLabCapture(): string | undefined {
  return labCaptures().sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

export const HAVE_TSHARK = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
