// One `netsynth encode --format csv` equivalent in a fresh process, for nprint-csv.bench.mjs:
// `node csv-once.mjs CAPTURE OUT` streams the capture (batches, borrowed bytes) into the
// nPrint CSV and prints { rows, peak_mb }.
import { CaptureReader } from '@netsynth/pcap';
import { writePacketsAsNprintCsv } from '@netsynth/encoder-nprint';

const [capture, out] = process.argv.slice(2);
const result = await writePacketsAsNprintCsv(new CaptureReader(capture, { transientData: true }).batches(), out, { force: true });
console.log(JSON.stringify({ rows: result.rows, peak_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
