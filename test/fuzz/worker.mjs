// One fuzz target per message, in a worker thread the harness can terminate when it hangs.
// A run ends in one of three ways: ok, a clean error (a typed NetsynthError: `error [CODE]`,
// exit 1 or 2, naming what failed) or an internal error (`error [INTERNAL]`, or a thrown
// non-netsynth error, or a "successful" output that cannot be read back).
import { parentPort } from 'node:worker_threads';
import { isNetsynthError } from '@netsynth/core';
import { readCaptureAll } from '@netsynth/pcap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCommand, inspectCommand, loadConfigFile, main, memoryIo, runCommand } from '@netsynth/runner';
import { MODEL_CONFIG, pruneAfterTraining } from './model-kind.mjs';

async function runCli(args, cwd) {
  const io = memoryIo(cwd);
  const code = await main(args, [checkCommand, inspectCommand, runCommand], { io });
  const err = io.err();
  const m = /error \[([A-Z_]+)\]/.exec(err);
  if (code === 0) return { outcome: 'ok' };
  if (!m || m[1] === 'INTERNAL' || m[1] === 'USAGE')
    return {
      outcome: 'internal',
      code: m?.[1] ?? `exit ${code}`,
      message: err
        .slice(m?.index ?? 0)
        .split('\n')
        .slice(0, 4)
        .join(' | '),
    };
  return { outcome: 'clean', code: m[1], message: err.split('\n')[0] };
}

const TARGETS = {
  /** `netsynth check FILE --repair OUT`, then the repaired capture must read back. */
  async capture({ file, out, dir }) {
    const r = await runCli(['check', file, '--repair', out, '--force', '--json'], dir);
    if (r.outcome !== 'ok') return r;
    await readCaptureAll(out);
    const inspected = await runCli(['inspect', file, '--json'], dir);
    return inspected.outcome === 'internal' ? inspected : r;
  },
  /** The tiny trained run the model mutants start from (once per fuzz run). */
  async 'model-base'({ dir }) {
    writeFileSync(join(dir, 'run.yaml'), MODEL_CONFIG);
    const r = await runCli(['run', join(dir, 'run.yaml')], dir);
    if (r.outcome === 'ok') pruneAfterTraining(join(dir, 'out'));
    return r;
  },
  /** `netsynth run` on a run folder whose model folder was damaged; a pcap it writes must read back. */
  async model({ config, out, dir }) {
    const r = await runCli(['run', config], dir);
    if (r.outcome === 'ok') await readCaptureAll(join(out, 'synthetic.pcap'));
    return r;
  },
  /** Config loading: YAML parsing, limits and schema validation. */
  async config({ file, dir }) {
    await loadConfigFile(file, dir);
    return { outcome: 'ok' };
  },
};

parentPort.on('message', async (job) => {
  let result;
  try {
    result = await (TARGETS[job.kind] ?? TARGETS.capture)(job);
  } catch (e) {
    result = isNetsynthError(e)
      ? { outcome: 'clean', code: e.code, message: e.message.slice(0, 300) }
      : {
          outcome: 'internal',
          code: e?.name ?? 'throw',
          message: String(e?.stack ?? e)
            .split('\n')
            .slice(0, 4)
            .join(' | ')
            .slice(0, 600),
        };
  }
  parentPort.postMessage({ id: job.id, ...result });
});
