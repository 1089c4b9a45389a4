// Throughput of the five protocol rulesets together (ipv4, tcp, udp, icmp, flow): `check` on
// the largest lab capture, `repair` on NetDiffusion's published output. One JSON line each.
import { createRng } from '@netsynth/core';
import { readCaptureAll } from '@netsynth/pcap';
import { checkAll, repairAll } from '@netsynth/protocol-rules';
import { createFlowRuleset } from '@netsynth/ruleset-flow';
import { createIcmpRuleset } from '@netsynth/ruleset-icmp';
import { createIpv4Ruleset } from '@netsynth/ruleset-ipv4';
import { createTcpRuleset } from '@netsynth/ruleset-tcp';
import { createUdpRuleset } from '@netsynth/ruleset-udp';
import { HAVE_SHARED_DATA, sharedPath } from '@netsynth/test-support';

if (!HAVE_SHARED_DATA) {
  console.error('rulesets bench: ../shared/data not found, skipped');
  process.exit(0);
}
const rulesets = () => [createIpv4Ruleset(), createTcpRuleset(), createUdpRuleset(), createIcmpRuleset(), createFlowRuleset()];

function best(times, fn) {
  let min = Infinity;
  let out;
  for (let i = 0; i < times; i++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds: min, out };
}

/** One JSON line: the packets per second of the best run over a shared-data capture, then what `facts` reads off its result. */
async function bench(name, file, run, facts) {
  const packets = (await readCaptureAll(sharedPath(...file.split('/')))).packets;
  const timed = best(3, () => run(packets));
  console.log(
    JSON.stringify({
      bench: name,
      file,
      packets: packets.length,
      packets_per_s: Math.round(packets.length / timed.seconds),
      seconds: +timed.seconds.toFixed(3),
      ...facts(timed.out),
    }),
  );
}

await bench(
  'rulesets.check',
  'lab/download.pcap',
  (packets) => checkAll(rulesets(), packets),
  (out) => ({ violations: out.total }),
);

await bench(
  'rulesets.repair',
  'netdiffusion/replayable_netflix_5.pcap',
  (packets) => repairAll(rulesets(), packets, createRng(1)),
  (out) => ({ changes: out.changes.length, remaining: out.remaining.total }),
);
