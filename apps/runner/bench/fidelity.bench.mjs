// Fidelity of each main pipeline, end to end on ../shared/data/lab (labels from file names,
// flow-grouped holdout split): `netsynth run` of the pipeline's example config with the lab as
// input and the downstream + validity evaluators, then one JSON line per pipeline:
// {"bench":"fidelity","pipeline":…,"wall_s":…,"cpu_s":…,"tstr_over_trtr_macro_f1_best":…,
//  "tstr_over_trtr_macro_f1_mean":…,"protocol_jsd_max":…,"service_port_jsd_max":…,
//  "length_emd_norm":…,"iat_emd_norm":…,"validity":{…},"per_class":{…},"load_avg":…}
// JSDs are per class, base 2, the maximum over classes (service port: the lower port when
// below 1024, else "ephemeral"; ICMP: echo). EMDs are Wasserstein-1 of IP lengths and of
// log10(µs + 1) gaps, over the real range. cpu_s is the run's user + system time.
// FIDELITY_PIPELINES=packetfields,gasf picks pipelines (default: all); each run takes minutes.
// FIDELITY_SET='a.b=1;c=2' adds --set overrides to every run (ablations); FIDELITY_KEEP=1 keeps
// each run's output folder (its path is in the line as "out").
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRunConfig } from '@netsynth/core';
import { loadSamples } from '@netsynth/pcap';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { parse } from 'yaml';
import { fidelityFigures, sideStats } from './fidelity-metrics.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'apps', 'runner', 'dist', 'cli.js');
const EVALUATORS = '[{plugin: "@netsynth/evaluator-downstream"}, {plugin: "@netsynth/evaluator-validity"}]';
/** The lab as input: one class per file, whole flows on one side of the holdout. */
const LAB_INPUT = ['input.labels={from: filename}', 'input.split=flow', 'input.holdout=0.2', 'input.flows.maxSamplesPerLabel=200'];
const PIPELINES = [
  { name: 'packetfields', config: 'examples/packetfields.yaml', set: ['input.flows.windowPackets=32', 'generator.samplesPerLabel=40'] },
  { name: 'gasf', config: 'examples/netdiffus.yaml', set: ['generator.samplesPerLabel=40'] },
  { name: 'flowrecords', config: 'examples/netshare-flows.yaml', set: ['generator.samplesPerLabel=40'] },
  {
    name: 'nprint-crop',
    config: 'examples/netdiffus.yaml',
    set: [
      'input.flows.windowPackets=16',
      'encoder={plugin: "@netsynth/encoder-nprint", options: {maxPackets: 16, tensor: signed1, headers: {ipv6: false, icmp: false}}}',
      'generator.samplesPerLabel=40',
    ],
  },
];

if (!haveShared('the fidelity bench', 'lab')) process.exit(0);
const picked = (process.env.FIDELITY_PIPELINES ?? '').split(',').filter(Boolean);
const lab = sharedPath('lab');
const keep = process.env.FIDELITY_KEEP === '1';

for (const p of PIPELINES) {
  if (picked.length && !picked.includes(p.name)) continue;
  const configPath = join(root, p.config);
  const out = mkdtempSync(join(tmpdir(), `fidelity-${p.name}-`));
  const extra = (process.env.FIDELITY_SET ?? '').split(';').filter(Boolean);
  const sets = [`input.captures=[${JSON.stringify(lab)}]`, ...LAB_INPUT, ...p.set, ...extra, `evaluators=${EVALUATORS}`];
  const args = [cli, 'run', configPath, '--out', out, '--force', ...sets.flatMap((s) => ['--set', s])];
  const t0 = process.hrtime.bigint();
  // /usr/bin/time reports the child's CPU seconds (user + system) on stderr's last line.
  const res = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(res.stderr ?? '');
  if (res.status !== 0) {
    console.error(`fidelity ${p.name}: netsynth run failed (${res.status}):\n${(res.stderr ?? '').slice(-2000)}`);
    process.exitCode = 1;
    continue;
  }
  const raw = parse(readFileSync(configPath, 'utf8'));
  raw.input = { ...raw.input, captures: [lab], labels: { from: 'filename' }, holdout: 0 };
  if (p.name === 'packetfields') raw.input.flows = { ...raw.input.flows, windowPackets: 32 };
  if (p.name === 'nprint-crop') raw.input.flows = { ...raw.input.flows, windowPackets: 16 };
  const input = parseRunConfig(raw).input;
  const real = sideStats((await loadSamples(input, root, { seed: 0 })).map((s) => ({ label: s.label, packets: s.flow.packets })));
  const figures = fidelityFigures(out, real);
  console.log(
    JSON.stringify({
      bench: 'fidelity',
      pipeline: p.name,
      wall_s: +wall.toFixed(1),
      cpu_s: cpu ? +(Number(cpu[1]) + Number(cpu[2])).toFixed(1) : null,
      ...figures,
      load_avg: +loadavg()[0].toFixed(2),
      ...(extra.length && { set: extra }),
      ...(keep && { out }),
    }),
  );
  if (!keep) rmSync(out, { recursive: true, force: true });
}
