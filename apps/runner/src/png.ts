import { PNG } from 'pngjs';
import { writeFileAtomic, type RenderedImage } from '@netsynth/core';

/** PNG bytes of an RGBA render (pngjs: no native code, well kept). */
export function encodePng(image: RenderedImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
  return PNG.sync.write(png, { colorType: 6 });
}

export async function writePngFile(path: string, image: RenderedImage, force = false): Promise<void> {
  await writeFileAtomic(path, encodePng(image), { force });
}
