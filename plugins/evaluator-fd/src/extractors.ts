import type { ImageTensor } from '@netsynth/core';
import { InvalidArgumentError, ModelFileError } from '@netsynth/core';
import { averagePool } from '@netsynth/evalkit';
import { resolveExecutionProviders, type RuntimeOptions } from '@netsynth/nn';
import { adaptImage, type ResizeMode } from './resize.js';

/** Turns a batch of images into one feature vector each. */
export interface FeatureExtractor {
  readonly name: string;
  features(images: readonly ImageTensor[]): Promise<Float64Array[]>;
  close?(): Promise<void>;
}

/**
 * The default, fixed feature map (no learning, no randomness): per channel, the image
 * average-pooled to grid × grid cells, its row profile and column profile pooled to `grid`
 * values each, and the channel's mean and standard deviation. For nPrint-like images rows are
 * packets and columns header bits, so the profiles capture "which packets" and "which fields".
 */
export function pooledFeatureExtractor(grid = 6): FeatureExtractor {
  return {
    name: `pooled-${grid}`,
    async features(images) {
      return images.map((t) => {
        const out: number[] = [];
        for (let c = 0; c < t.channels; c++) {
          out.push(...averagePool(t, c, Math.min(grid, t.height), Math.min(grid, t.width)));
          out.push(...averagePool(t, c, Math.min(grid, t.height), 1));
          out.push(...averagePool(t, c, 1, Math.min(grid, t.width)));
          let s = 0;
          let ss = 0;
          const n = t.height * t.width;
          for (let i = c * n; i < (c + 1) * n; i++) {
            const v = t.data[i] as number;
            s += v;
            ss += v * v;
          }
          const m = s / n;
          out.push(m, Math.sqrt(Math.max(0, ss / n - m * m)));
        }
        return Float64Array.from(out);
      });
    },
  };
}

export interface OnnxExtractorOptions {
  /** Resize every image to this height × width; default: the model's fixed input size, else as is. */
  inputSize?: [number, number];
  /** How to resize: bilinear (default; half-pixel centres, as torchvision/pytorch-fid), nearest, or area. */
  resize?: ResizeMode;
  /** Map the encoder's value range [lo, hi] linearly onto this range before the model (e.g. [-1, 1] for TF Inception, [0, 1] for torchvision). */
  inputRange?: [number, number];
  /** The encoder's value range; default [-1, 1]. */
  sourceRange?: [number, number];
  /** Per-channel normalisation after the range mapping: (v − mean[c]) / std[c] (e.g. ImageNet's). */
  mean?: number[];
  std?: number[];
  /** The model input to feed (default: its first input). */
  inputName?: string;
  /** The model output that holds the features (default: its first output), e.g. the pool layer of an Inception export. */
  outputName?: string;
  batchSize?: number;
  /** Execution providers and where their fallback warnings go (default: CPU). */
  runtime?: RuntimeOptions;
}

/**
 * A user-supplied ONNX model as the feature extractor (e.g. an Inception-v3 export with its
 * 2048-d pool output, for FID comparable with the literature). The chosen input takes
 * [N, C, H, W] float32; the chosen output, flattened per image, is the feature vector.
 */
export async function onnxFeatureExtractor(modelPath: string, options: OnnxExtractorOptions = {}): Promise<FeatureExtractor> {
  const ort = await import('onnxruntime-node');
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, { executionProviders: resolveExecutionProviders(options.runtime ?? {}) });
  } catch (e) {
    throw new ModelFileError(`cannot load the ONNX feature extractor: ${(e as Error).message}`, modelPath, undefined, e);
  }
  const inputName = options.inputName ?? (session.inputNames[0] as string);
  const outputName = options.outputName ?? (session.outputNames[0] as string);
  const inputIndex = session.inputNames.indexOf(inputName);
  if (inputIndex < 0) {
    await session.release();
    throw new ModelFileError(`the ONNX model has no input "${inputName}" (inputs: ${session.inputNames.join(', ')})`, modelPath);
  }
  if (!session.outputNames.includes(outputName)) {
    await session.release();
    throw new ModelFileError(`the ONNX model has no output "${outputName}" (outputs: ${session.outputNames.join(', ')})`, modelPath);
  }
  const meta = session.inputMetadata?.[inputIndex];
  const shape = meta && 'shape' in meta ? (meta.shape as readonly (number | string)[]) : [];
  const fixed = (i: number): number | undefined => (typeof shape[i] === 'number' && (shape[i] as number) > 0 ? (shape[i] as number) : undefined);
  const [srcLo, srcHi] = options.sourceRange ?? [-1, 1];
  const [dstLo, dstHi] = options.inputRange ?? [srcLo, srcHi];
  if (srcHi === srcLo) throw new InvalidArgumentError('sourceRange must not be empty');
  if (options.std?.some((v) => v === 0)) throw new InvalidArgumentError('std must not contain 0');
  const scale = (dstHi - dstLo) / (srcHi - srcLo);
  const shift = dstLo - srcLo * scale;
  const mean = options.mean ?? [0];
  const std = options.std ?? [1];
  const mode = options.resize ?? 'bilinear';
  const batchSize = options.batchSize ?? 32;
  return {
    name: `onnx:${modelPath} (output ${outputName})`,
    async features(images) {
      const out: Float64Array[] = [];
      for (let start = 0; start < images.length; start += batchSize) {
        const batch = images.slice(start, start + batchSize);
        const first = batch[0] as ImageTensor;
        const channels = fixed(1) ?? first.channels;
        const height = options.inputSize?.[0] ?? fixed(2) ?? first.height;
        const width = options.inputSize?.[1] ?? fixed(3) ?? first.width;
        const per = channels * height * width;
        const data = new Float32Array(per * batch.length);
        batch.forEach((t, i) => adaptImage(t, channels, height, width, mode, scale, shift, mean, std, data, i * per));
        let result: import('onnxruntime-node').InferenceSession.OnnxValueMapType;
        try {
          result = await session.run({ [inputName]: new ort.Tensor('float32', data, [batch.length, channels, height, width]) }, [outputName]);
        } catch (e) {
          throw new ModelFileError(
            `the ONNX feature extractor failed on a ${batch.length}×${channels}×${height}×${width} batch: ${(e as Error).message}`,
            modelPath,
            undefined,
            e,
          );
        }
        const value = result[outputName] as import('onnxruntime-node').Tensor;
        const flat = value.data as Float32Array;
        const d = flat.length / batch.length;
        for (let i = 0; i < batch.length; i++) out.push(Float64Array.from(flat.subarray(i * d, (i + 1) * d)));
      }
      return out;
    },
    close: () => session.release(),
  };
}
