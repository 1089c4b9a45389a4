import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ../shared/data from the repo root (test/ → encoder-nprint → plugins → main → work). */
export const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const NETDIFFUSION = `${SHARED}netdiffusion/`;
export const HAVE_SHARED = existsSync(SHARED);
if (!HAVE_SHARED) console.warn('skipping @netsynth/encoder-nprint data tests: ../shared/data not found');
