/**
 * Patched (LoRA-merged) weights of a big export: instead of inlining them in the model bytes
 * (protobuf caps a model at 2 GB, and an fp32 SD 1.5 UNet's transformer weights alone are
 * ~1.4 GB), they are written to a side file and the tensors' `external_data.location` points
 * at it. onnxruntime resolves every location against ONE folder and rejects paths (symlinks
 * included) that leave it, and the user's model folder is not ours to write into, so a
 * temporary folder gets HARD links to the model's own external data files plus the side file;
 * the session is created from the patched bytes with
 * `session.model_external_initializers_file_folder_path` set to it. When the temporary folder
 * is on another file system (no hard links), the side file is written into the model folder
 * under a unique dot-name instead. Either is removed when the session is released.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ModelProto } from '../onnx/proto.js';
import { alignExternal, externalInfo, moveToExternal } from '../onnx/tensor-data.js';

export const SIDE_FILE = 'netsynth_lora_patch.bin';

export interface SideFolder {
  folder: string;
  cleanup(): Promise<void>;
}

/** Moves the inline data of `names` to a side file in a fresh folder linking the model's external files. */
export async function externalizePatched(model: ModelProto, names: readonly string[], modelDir: string): Promise<SideFolder> {
  const locations = new Set<string>();
  for (const t of model.graph.initializer) {
    const ext = externalInfo(t);
    if (ext) locations.add(ext.location);
  }
  let folder = await mkdtemp(join(tmpdir(), 'netsynth-sd-lora-'));
  let sideName = SIDE_FILE;
  let cleanup = (): Promise<void> => rm(folder, { recursive: true, force: true });
  try {
    for (const loc of locations) await link(resolve(modelDir, loc), join(folder, loc));
  } catch {
    // No hard links across file systems: write the side file beside the model's data.
    await cleanup();
    folder = resolve(modelDir);
    sideName = `.netsynth_lora_patch_${randomBytes(6).toString('hex')}.bin`;
    const sidePath = join(folder, sideName);
    cleanup = () => rm(sidePath, { force: true });
  }
  try {
    const wanted = new Set(names);
    const fh = await open(join(folder, sideName), 'w');
    try {
      let offset = 0;
      for (const t of model.graph.initializer) {
        const raw = t.rawData;
        if (!wanted.has(t.name) || !raw?.byteLength) continue;
        const at = alignExternal(offset);
        if (at > offset) await fh.write(new Uint8Array(at - offset), 0, at - offset, offset);
        await fh.write(raw, 0, raw.byteLength, at);
        moveToExternal(t, sideName, at);
        offset = at + raw.byteLength;
      }
    } finally {
      await fh.close();
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { folder, cleanup };
}
