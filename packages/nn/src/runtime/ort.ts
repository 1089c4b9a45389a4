/**
 * onnxruntime-node session creation with the options that matter for speed on a small CPU:
 * intra-op threads = cores, sequential execution (the parallel executor only adds overhead
 * on 2 cores; measured in the README), full graph optimisation.
 *
 * Execution providers: the requested list is checked against what this onnxruntime-node
 * build can load (its backend list, and for providers that are not bundled, the provider
 * library next to the native binding). A provider that is missing is dropped with ONE
 * warning per process and provider, and CPU is always the last resort, so a config that
 * asks for CUDA runs everywhere (on the CPU where no GPU runtime is installed).
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
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
  /**
   * Let idle intra-op threads spin between parallel sections (onnxruntime's default, true).
   * On a machine shared with other busy processes, spinning threads take cores the working
   * thread needs; false makes them sleep instead (see README for the measurement).
   */
  allowSpinning?: boolean;
  /**
   * onnxruntime's memory pattern (default true): plans one block for all intermediate
   * tensors from the first run. Off, tensors are taken from the arena as needed.
   */
  memoryPattern?: boolean;
  /** Write onnxruntime's optimised graph here (debugging). */
  optimizedModelFilePath?: string;
  enableProfiling?: boolean;
  /** Run training convs on onnxruntime's blocked-layout CPU kernels (default true; CPU only). */
  nchwc?: boolean;
  /**
   * Receives the warning when a requested execution provider is not available and the
   * session falls back (default: `process.emitWarning`, once per provider and process).
   */
  onWarning?: (message: string) => void;
}

export { ort };

const warned = new Set<string>();

function warn(o: RuntimeOptions, message: string): void {
  if (o.onWarning) {
    o.onWarning(message);
    return;
  }
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { code: 'NETSYNTH_NN_PROVIDER_FALLBACK' });
}

/** Whether this onnxruntime-node build can load a provider (bundled, or its library installed). */
function providerAvailable(name: string): boolean {
  if (name === 'cpu') return true;
  const listed = ort.listSupportedBackends().find((b) => b.name === name);
  if (!listed) return false;
  if (listed.bundled) return true;
  // Not bundled (CUDA, TensorRT): onnxruntime-node's install script puts
  // libonnxruntime_providers_<name>.so beside the native binding when a GPU runtime is wanted.
  try {
    const req = createRequire(import.meta.url);
    const root = join(dirname(req.resolve('onnxruntime-node')), '..', 'bin');
    const stack = [root];
    while (stack.length) {
      const dir = stack.pop() as string;
      if (!existsSync(dir)) continue;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) stack.push(join(dir, e.name));
        else if (e.name.startsWith(`libonnxruntime_providers_${name}.`) || e.name === `onnxruntime_providers_${name}.dll`) return true;
      }
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * The providers a session will actually get: the requested ones this runtime can load, in
 * order, then 'cpu'. Each dropped provider is reported through `onWarning`.
 */
export function resolveExecutionProviders(o: RuntimeOptions = {}): ExecutionProvider[] {
  const out: ExecutionProvider[] = [];
  const dropped: ExecutionProvider[] = [];
  for (const p of o.executionProviders ?? ['cpu']) {
    if (out.includes(p) || dropped.includes(p)) continue;
    if (providerAvailable(p)) out.push(p);
    else dropped.push(p);
  }
  if (!out.includes('cpu')) out.push('cpu');
  for (const p of dropped) warn(o, `@netsynth/nn: execution provider "${p}" is not available in this onnxruntime-node install; running on ${out.join(', ')}`);
  return out;
}

/** `model`: ONNX bytes, or a model file's path (needed for external data, resolved against its folder). */
export async function createOrtSession(model: Uint8Array | string, o: RuntimeOptions = {}): Promise<ort.InferenceSession> {
  const options = ortSessionOptions(o);
  const providers = options.executionProviders as ExecutionProvider[];
  // (two calls: onnxruntime's overloads take a path or bytes, not the union)
  const create = (opts: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> =>
    typeof model === 'string' ? ort.InferenceSession.create(model, opts) : ort.InferenceSession.create(model, opts);
  try {
    return await create(options);
  } catch (e) {
    // A provider that is present but cannot start (driver or library mismatch): CPU only.
    if (providers.length > 1 && /provider|EP|cuda|tensorrt|webgpu/i.test(String(e))) {
      warn(
        o,
        `@netsynth/nn: execution providers [${providers.join(', ')}] failed to start (${String((e as Error).message ?? e).split('\n')[0]}); falling back to cpu`,
      );
      return await create({ ...options, executionProviders: ['cpu'] });
    }
    throw new EngineError(`onnxruntime could not load the graph: ${(e as Error).message}`, { cause: e });
  }
}

/** The onnxruntime session options for `o` (plain data: they also go to worker threads). */
export function ortSessionOptions(o: RuntimeOptions = {}): ort.InferenceSession.SessionOptions {
  const providers = resolveExecutionProviders(o);
  return {
    executionProviders: providers,
    intraOpNumThreads: o.intraOpNumThreads ?? availableParallelism(),
    interOpNumThreads: o.interOpNumThreads ?? 1,
    graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
    executionMode: o.executionMode ?? 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: o.memoryPattern ?? true,
    ...(o.optimizedModelFilePath !== undefined && { optimizedModelFilePath: o.optimizedModelFilePath }),
    ...(o.allowSpinning !== undefined && {
      extra: { session: { intra_op: { allow_spinning: o.allowSpinning ? '1' : '0' }, inter_op: { allow_spinning: o.allowSpinning ? '1' : '0' } } },
    }),
    ...(o.enableProfiling && { enableProfiling: true, profileFilePrefix: 'onnxruntime_profile' }),
  };
}
