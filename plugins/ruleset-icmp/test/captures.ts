import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/data from the repo root (this file is plugins/<pkg>/test/). */
export const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const HAVE_SHARED = existsSync(SHARED);
if (!HAVE_SHARED) console.warn('skipping real-capture tests: ../shared/data not found');

/** Every real capture of lab/ and packets/, as [name, path]. */
export function realCaptures(): [string, string][] {
  if (!HAVE_SHARED) return [];
  const out: [string, string][] = [];
  for (const dir of ['lab', 'packets']) {
    for (const f of readdirSync(join(SHARED, dir)).sort()) if (/\.pcap(ng|clear)?$/.test(f)) out.push([f, join(SHARED, dir, f)]);
  }
  return out;
}
