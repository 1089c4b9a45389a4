/**
 * onnxruntime-node session creation with the options that matter for speed on a small CPU:
 * intra-op threads = cores, sequential execution (the parallel executor only adds overhead
 * on 2 cores; measured in the README), full graph optimisation.
 */
import { availableParallelism } from 'node:os';
import { EngineError } from '@netsynth/core';
import * as ort from 'onnxruntime-node';

export type ExecutionProvider = 'cpu' | 'cuda' | string;

export interface RuntimeOptions {
  /** Execution providers in order of preference; CUDA is used when present, else CPU. Default ['cpu']. */
  executionProviders?: readonly ExecutionProvider[];
  /** Threads inside one op (default: number of cores). */
  intraOpNumThreads?: number;
  /** Threads running independent ops at once, with executionMode 'parallel' (default 1). */
  interOpNumThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  executionMode?: 'sequential' | 'parallel';
  /** Write onnxruntime's optimised graph here (debugging). */
  optimizedModelFilePath?: string;
  enableProfiling?: boolean;
  /** Run training convs on onnxruntime's blocked-layout CPU kernels (default true; CPU only). */
  nchwc?: boolean;
}

export { ort };

export async function createOrtSession(model: Uint8Array, o: RuntimeOptions = {}): Promise<ort.InferenceSession> {
  const providers = [...(o.executionProviders ?? ['cpu'])];
  if (!providers.includes('cpu')) providers.push('cpu');
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: providers,
    intraOpNumThreads: o.intraOpNumThreads ?? availableParallelism(),
    interOpNumThreads: o.interOpNumThreads ?? 1,
    graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
    executionMode: o.executionMode ?? 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    ...(o.optimizedModelFilePath !== undefined && { optimizedModelFilePath: o.optimizedModelFilePath }),
    ...(o.enableProfiling && { enableProfiling: true, profileFilePrefix: 'onnxruntime_profile' }),
  };
  try {
    return await ort.InferenceSession.create(model, options);
  } catch (e) {
    // A provider that is not compiled into this onnxruntime build: fall back to CPU only.
    if (providers.length > 1 && /provider|EP|cuda/i.test(String(e))) {
      return await ort.InferenceSession.create(model, { ...options, executionProviders: ['cpu'] });
    }
    throw new EngineError(`onnxruntime could not load the graph: ${(e as Error).message}`, { cause: e });
  }
}
