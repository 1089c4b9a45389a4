// Reader throughput: read + dissect every packet of the largest capture in ../shared/data/lab,
// beside tshark's time on the same file. Prints one JSON line.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { dissect, readCapture } from '@netsynth/pcap';
import { SHARED_DATA, largestLabCapture } from '@netsynth/test-support';

/** Small files finish in milliseconds; repeat until this much time has passed for a stable figure. */
const MIN_SECONDS = 2;

function emit(obj) {
  process.stdout.write(`${JSON.stringify({ bench: 'pcap.read', ...obj })}\n`);
}

async function readOnce(file) {
  let packets = 0;
  let layers = 0;
  for await (const p of readCapture(file)) {
    layers += dissect(p).layers.length;
    packets++;
  }
  return { packets, layers };
}

function tsharkSeconds(file) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    let child;
    try {
      child = spawn('tshark', ['-r', file, '-n', '-T', 'fields', '-e', 'frame.number'], { stdio: ['ignore', 'ignore', 'ignore'] });
    } catch {
      resolve(null);
      return;
    }
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? Number(process.hrtime.bigint() - start) / 1e9 : null));
  });
}

const file = largestLabCapture();
if (!file) {
  emit({ skipped: '../shared/data/lab not found', file: null, mb_per_s: null, packets_per_s: null, seconds: null, tshark_seconds: null });
} else {
  const size = statSync(file).size;
  await readOnce(file); // warm-up (JIT, page cache)
  let runs = 0;
  let packets = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < MIN_SECONDS || runs < 3) {
    packets = (await readOnce(file)).packets;
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const seconds = elapsed / runs;
  const tshark = await tsharkSeconds(file);
  emit({
    file: relative(SHARED_DATA, file),
    mb_per_s: Number((size / 1e6 / seconds).toFixed(1)),
    packets_per_s: Math.round(packets / seconds),
    seconds: Number(seconds.toFixed(4)),
    tshark_seconds: tshark === null ? null : Number(tshark.toFixed(3)),
    packets,
    runs,
  });
}
