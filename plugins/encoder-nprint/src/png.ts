import { readFile } from 'node:fs/promises';
import { EncodingError, writeFileAtomic, type RenderedImage, type WriteOptions } from '@netsynth/core';
import { PNG } from 'pngjs';

/** Decodes a PNG (RGB, RGBA, grey, palette: pngjs expands all to RGBA) into 8-bit RGBA. */
export function decodePng(data: Uint8Array, file = '<png>'): RenderedImage {
  try {
    const png = PNG.sync.read(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } catch (e) {
    throw new EncodingError(`not a readable PNG: ${e instanceof Error ? e.message : String(e)}`, { file, offset: 0, cause: e });
  }
}

/** Encodes 8-bit RGBA as a PNG. */
export function encodePng(image: RenderedImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
  return PNG.sync.write(png, { colorType: 6 });
}

export async function readPng(path: string): Promise<RenderedImage> {
  return decodePng(await readFile(path), path);
}

/** Writes a PNG atomically; an existing file needs `force`. */
export async function writePng(path: string, image: RenderedImage, options: WriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, encodePng(image), options);
}
