import { join } from 'node:path';
import type { Encoder, ImageTensor } from '@netsynth/core';
import { writePngFile } from '../../png.js';
import { IMAGES_PER_LABEL, safeName } from '../paths.js';
import type { RunState } from '../state.js';

/**
 * PNG renders of the first IMAGES_PER_LABEL images of each label, as
 * `<dir>/<label>/<nnn>.png`. Returns how many were written.
 */
export async function renderImages(
  state: RunState,
  encoder: Encoder,
  images: readonly { tensor: ImageTensor; label: string }[],
  dirRel: string,
): Promise<number> {
  const perLabel = new Map<string, number>();
  let written = 0;
  for (const { tensor, label } of images) {
    const k = perLabel.get(label) ?? 0;
    if (k >= IMAGES_PER_LABEL) continue;
    perLabel.set(label, k + 1);
    state.checkAborted();
    const file = state.out.path(join(dirRel, safeName(label), `${String(k).padStart(3, '0')}.png`));
    await writePngFile(file, encoder.render(tensor), true);
    written++;
  }
  return written;
}
