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

const download = (await readCaptureAll(sharedPath('lab', 'download.pcap'))).packets;
const checked = best(3, () => checkAll(rulesets(), download));
console.log(
  JSON.stringify({
    bench: 'rulesets.check',
    file: 'lab/download.pcap',
    packets: download.length,
    packets_per_s: Math.round(download.length / checked.seconds),
    seconds: +checked.seconds.toFixed(3),
    violations: checked.out.total,
  }),
);

const nd = (await readCaptureAll(sharedPath('netdiffusion', 'replayable_netflix_5.pcap'))).packets;
const repaired = best(3, () => repairAll(rulesets(), nd, createRng(1)));
console.log(
  JSON.stringify({
    bench: 'rulesets.repair',
    file: 'netdiffusion/replayable_netflix_5.pcap',
    packets: nd.length,
    packets_per_s: Math.round(nd.length / repaired.seconds),
    seconds: +repaired.seconds.toFixed(3),
    changes: repaired.out.changes.length,
    remaining: repaired.out.remaining.total,
  }),
);
