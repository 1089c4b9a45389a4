// nPrint encoding speed on ../shared/data/lab/download.pcap (35k TCP packets).
// nprint.encode: Encoder.encodePackets, windows of 1024 packets → 4×1024×1088 float32
//   tensors (one-hot bits + IAT channel), the training path.
// nprint.rows: packets → nPrint bit rows (the CSV path, 1408 columns), no tensor.
import { existsSync } from 'node:fs';
import { readCaptureAll } from '@netsynth/pcap';
import { NprintEncoder, nprintOptionsSchema, packetsToRows } from '@netsynth/encoder-nprint';
import { sharedPath, throughput } from '@netsynth/test-support';

const capture = sharedPath('lab', 'download.pcap');
if (!existsSync(capture)) {
  console.log(JSON.stringify({ bench: 'nprint.encode', skipped: 'missing ../shared/data/lab/download.pcap' }));
  process.exit(0);
}
const { packets } = await readCaptureAll(capture);

const encoder = new NprintEncoder(nprintOptionsSchema.parse({}), { seed: 1 });
const windows = [];
for (let i = 0; i < packets.length; i += 1024) windows.push(packets.slice(i, i + 1024));
const encodeRate = throughput(() => {
  let n = 0;
  for (const w of windows) n += encoder.encodePackets(w).rows;
  return n;
});
console.log(JSON.stringify({ bench: 'nprint.encode', packets_per_s: Math.round(encodeRate), packets: packets.length, tensor: 'onehot3+iat 4x1024x1088' }));

const rowsRate = throughput(() => packetsToRows(packets).table.rowCount);
console.log(JSON.stringify({ bench: 'nprint.rows', packets_per_s: Math.round(rowsRate), packets: packets.length, columns: 1408 }));
