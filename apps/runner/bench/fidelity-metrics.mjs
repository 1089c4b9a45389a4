// Fidelity figures of one finished run directory against the real captures it was made from:
// per-class protocol and service-port JSD (base 2), normalised length / inter-arrival EMD,
// TSTR/TRTR macro-F1 ratios and validity counts from the run's metrics.json.
import { readFileSync } from 'node:fs';
import { dissect } from '@netsynth/pcap';

/** Service port class of a flow's first packet: the lower port when below 1024, else "ephemeral"; ICMP: its echo kind. */
function categories(packets) {
  const d = dissect(packets[0]);
  const t = d.transport;
  const proto = String(d.ip?.kind === 'ipv4' ? d.ip.protocol : (d.ip?.nextHeader ?? -1));
  let svc = 'none';
  if (t?.kind === 'tcp' || t?.kind === 'udp') {
    const lo = Math.min(t.srcPort, t.dstPort);
    svc = lo < 1024 ? String(lo) : 'ephemeral';
  } else if (t) svc = t.type === 0 || t.type === 8 ? 'echo' : `icmp-${t.type}`;
  return { proto, svc };
}

function jsd(a, b) {
  const sa = [...a.values()].reduce((s, v) => s + v, 0);
  const sb = [...b.values()].reduce((s, v) => s + v, 0);
  let j = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const p = (a.get(k) ?? 0) / sa;
    const q = (b.get(k) ?? 0) / sb;
    const m = (p + q) / 2;
    if (p) j += 0.5 * p * Math.log2(p / m);
    if (q) j += 0.5 * q * Math.log2(q / m);
  }
  return j;
}

/** Wasserstein-1 between two samples, divided by the real sample's range (0 = same, 1 = a whole range apart). */
export function emdNorm(real, syn) {
  if (!real.length || !syn.length) return null;
  const r = Float64Array.from(real).sort();
  const s = Float64Array.from(syn).sort();
  const grid = 512;
  let d = 0;
  for (let i = 0; i < grid; i++) {
    const q = (i + 0.5) / grid;
    d += Math.abs(r[Math.floor(q * r.length)] - s[Math.floor(q * s.length)]) / grid;
  }
  const range = r[r.length - 1] - r[0];
  return range > 0 ? d / range : d;
}

const ipLength = (p) => {
  const ip = dissect(p).ip;
  return ip?.kind === 'ipv4' ? ip.totalLength : ip ? 40 + ip.payloadLength : p.originalLength;
};
const logIatUs = (packets) => packets.slice(1).map((p, i) => Math.log10(Number(p.timestampNs - packets[i].timestampNs) / 1e3 + 1));

/** Per-label statistics of samples given as { label, packets }[]. */
export function sideStats(samples) {
  const proto = new Map();
  const svc = new Map();
  const lengths = [];
  const iats = [];
  const bump = (m, label, k) => {
    if (!m.has(label)) m.set(label, new Map());
    m.get(label).set(k, (m.get(label).get(k) ?? 0) + 1);
  };
  for (const s of samples) {
    if (!s.packets.length) continue;
    const c = categories(s.packets);
    bump(proto, s.label, c.proto);
    bump(svc, s.label, c.svc);
    for (const p of s.packets) lengths.push(ipLength(p));
    iats.push(...logIatUs(s.packets));
  }
  return { proto, svc, lengths, iats };
}

/** The synthetic samples a run wrote (constraints/samples.jsonl: id, label, packets with base64 data). */
export function runSamples(outDir) {
  return readFileSync(`${outDir}/constraints/samples.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const s = JSON.parse(l);
      const packets = s.packets.map((p) => {
        const data = new Uint8Array(Buffer.from(p.data, 'base64'));
        return { timestampNs: BigInt(p.t ?? 0), capturedLength: data.length, originalLength: p.len ?? data.length, linkType: p.link ?? 101, data };
      });
      return { label: s.label, packets };
    });
}

function metricOf(metrics, evaluator, name) {
  const e = metrics.evaluators.find((x) => x.evaluator === evaluator);
  return e?.metrics.find((m) => m.name === name);
}

/** The bench line's figures for one run. */
export function fidelityFigures(outDir, realStats) {
  const syn = sideStats(runSamples(outDir));
  let protocolMax = 0;
  let portMax = 0;
  const perClass = {};
  for (const label of [...realStats.proto.keys()].sort()) {
    const p = syn.proto.has(label) ? jsd(realStats.proto.get(label), syn.proto.get(label)) : 1;
    const s = syn.svc.has(label) ? jsd(realStats.svc.get(label), syn.svc.get(label)) : 1;
    perClass[label] = { protocol_jsd: +p.toFixed(4), service_port_jsd: +s.toFixed(4) };
    protocolMax = Math.max(protocolMax, p);
    portMax = Math.max(portMax, s);
  }
  const metrics = JSON.parse(readFileSync(`${outDir}/metrics.json`, 'utf8'));
  const ratios = [];
  for (const e of metrics.evaluators) {
    for (const m of e.metrics) {
      if (!/^tstr\.[a-z_]+\.macro_f1$/.test(m.name) || !(m.real > 0)) continue;
      ratios.push(m.value / m.real);
    }
  }
  const v = (name) => metricOf(metrics, '@netsynth/evaluator-validity', name)?.value ?? null;
  return {
    tstr_over_trtr_macro_f1_best: ratios.length ? +Math.max(...ratios).toFixed(4) : null,
    tstr_over_trtr_macro_f1_mean: ratios.length ? +(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(4) : null,
    protocol_jsd_max: +protocolMax.toFixed(4),
    service_port_jsd_max: +portMax.toFixed(4),
    length_emd_norm: round4(emdNorm(realStats.lengths, syn.lengths)),
    iat_emd_norm: round4(emdNorm(realStats.iats, syn.iats)),
    validity: {
      rulesets_packets_pass: v('ruleset.all.packets_pass'),
      tshark_malformed: v('tshark.malformed'),
      tshark_expert_errors: v('tshark.expert_errors'),
      tshark_bad_checksums: v('tshark.bad_checksums'),
    },
    per_class: perClass,
  };
}

function round4(v) {
  return v === null ? null : +v.toFixed(4);
}
