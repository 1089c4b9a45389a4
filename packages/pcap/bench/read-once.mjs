// One measured pass over a capture in a fresh process (so peak memory is this pass's own),
// for pcap-read.bench.mjs: `node read-once.mjs FILE dissect|inspect` prints one JSON line
// { seconds, cpu_s, packets, peak_mb } (cpu_s: user + system seconds of the pass). `dissect`: read + dissect every packet as streaming
// consumers do (batches, borrowed bytes); `inspect`: summarizeCapture, what
// `netsynth inspect` runs (adds protocol counts and flow assembly).
import { CaptureReader, dissect, summarizeCapture } from '@netsynth/pcap';

const [file, mode = 'dissect'] = process.argv.slice(2);
const start = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
let packets = 0;
if (mode === 'inspect') {
  packets = (await summarizeCapture(file)).packets;
} else {
  let layers = 0;
  for await (const batch of new CaptureReader(file, { transientData: true, includeUnsupportedLinkTypes: true }).batches()) {
    for (const p of batch) layers += dissect(p).layers.length;
    packets += batch.length;
  }
  if (layers === 0 && packets > 0) throw new Error('no layer dissected');
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpuStart);
console.log(JSON.stringify({ seconds, cpu_s: (cpu.user + cpu.system) / 1e6, packets, peak_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
