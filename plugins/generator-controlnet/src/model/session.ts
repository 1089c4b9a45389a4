import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ModelFileError } from '@netsynth/core';
import { resolveExecutionProviders } from '@netsynth/nn';
import * as ort from 'onnxruntime-node';

export interface SessionOptions {
  /** Threads inside one op (default: all cores). */
  intraOpNumThreads?: number;
  /** Execution providers in order of preference; CPU is always added last. */
  executionProviders?: readonly string[];
  /** Let idle intra-op threads busy-wait (onnxruntime's default); off by default here. */
  allowSpinning?: boolean;
  /** Receives the warning when a provider is missing or fails to start (default: a process warning). */
  onWarning?: (message: string) => void;
}

/**
 * Opens an ONNX file by path, so onnxruntime finds external weight files (`model.onnx_data`,
 * `weights.pb`) beside it and never reads a multi-GB model into one JS buffer. Sequential
 * execution with all cores per op, as @netsynth/nn measured fastest on small CPUs.
 */
export async function openSession(path: string, o: SessionOptions = {}): Promise<ort.InferenceSession> {
  if (!existsSync(path)) throw new ModelFileError('no ControlNet ONNX model here (give `model`, or put one in the SD folder as controlnet/model.onnx)', path);
  const providers = resolveExecutionProviders({ executionProviders: o.executionProviders ?? ['cpu'], ...(o.onWarning && { onWarning: o.onWarning }) });
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: providers,
    intraOpNumThreads: o.intraOpNumThreads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // No busy-waiting of idle intra-op threads: this session alternates with the UNet's at
    // every step, and threads spinning after one run steal the cores the other needs
    // (measured in the README: 42 → 6 ms per ControlNet+UNet step on 2 cores).
    extra: { session: { intra_op: { allow_spinning: o.allowSpinning === true ? '1' : '0' } } },
  };
  try {
    return await ort.InferenceSession.create(path, options);
  } catch (e) {
    if (providers.length > 1 && /provider|EP|cuda/i.test(String(e))) {
      const message = `${path}: execution providers [${providers.join(', ')}] failed to start (${String((e as Error).message).split('\n')[0]}); falling back to cpu`;
      if (o.onWarning) o.onWarning(message);
      else process.emitWarning(message);
      return await ort.InferenceSession.create(path, { ...options, executionProviders: ['cpu'] });
    }
    throw new ModelFileError(`onnxruntime could not load the ControlNet: ${(e as Error).message}`, path, undefined, e);
  }
}

export { ort };
