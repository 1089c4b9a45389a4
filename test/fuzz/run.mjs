#!/usr/bin/env node
// The fuzzing harness (`pnpm fuzz`): seeded mutants of real captures (pcap and pcapng from
// ../shared/data), of a run config and of a trained model folder, each run through netsynth in a worker thread that is
// terminated when a mutant exceeds the time limit. Prints one JSON line:
// {"bench":"fuzz","mutants":…,"ok":…,"clean_errors":…,"internal_errors":…,"hangs":…,"max_rss_mb":…}
// and, on stderr, progress and every internal error or hang with the seed and index that
// reproduce it (`--kinds pcap --seed S --first I --mutants 1`).
//
// Options: --mutants N (per kind, default 1000) --seed S (default 20) --kinds pcap,pcapng,config,model
//          --first I (first mutant index) --timeout-ms T (per mutant, default 30000)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HAVE_SHARED_DATA, SHARED_DATA, sharedPath } from '@netsynth/test-support';
import { layoutOf, mutateCapture, mutateConfig, mutateModel } from './mutate.mjs';
import { MODEL_CAPTURES, mutantRunFolder, readModelFolder } from './model-kind.mjs';

const args = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const MUTANTS = Number(opt('mutants', '1000'));
const SEED = Number(opt('seed', '20'));
const FIRST = Number(opt('first', '0'));
const TIMEOUT_MS = Number(opt('timeout-ms', '30000'));
const KINDS = opt('kinds', 'pcap,pcapng,config,model').split(',');

/** Small real captures, whole or their first records: every mutant runs in well under a second. */
const PCAP_BASES = ['lab/dns.pcap', 'lab/icmp.pcap', 'lab/web.pcap', 'lab/udpstream.pcap', 'apps/modbus/modbusBig.pcap', 'apps/smb/smb2.pcap'];
const PCAPNG_BASES = [
  'packets/dns_tcp.pcapng',
  'packets/http_dvwa_sqlinjection.pcapng',
  'packets/arppoison.pcapng',
  'packets/dns_isp_hijack.pcapng',
  'packets/icmp_traceroute.pcapng',
];
const MAX_RECORDS = 300;

function prefix(bytes) {
  const l = layoutOf(bytes);
  const cut = l.units[MAX_RECORDS];
  return cut ? bytes.subarray(0, cut.at) : bytes;
}

function loadBases(list) {
  const out = [];
  for (const rel of list) {
    try {
      out.push({ name: rel, bytes: prefix(new Uint8Array(readFileSync(sharedPath(rel)))) });
    } catch {
      // A capture missing from this data folder: the others still cover the mutations.
    }
  }
  return out;
}

const CONFIG_BASE = `version: 1
name: fuzz
seed: 3
input:
  captures: [captures]
  labels: { from: filename }
  flows:
    idleTimeoutSeconds: 60
    windowPackets: 16
    minPackets: 2
  holdout: 0.25
encoder:
  plugin: "@netsynth/encoder-gasf"
  options:
    features: [size, direction]
    length: 16
generator:
  plugin: "@netsynth/generator-ddpm"
  samplesPerLabel: 4
constraints:
  - plugin: "@netsynth/ruleset-ipv4"
evaluators: []
output:
  dir: out
  images: false
`;

class Pool {
  constructor() {
    this.spawn();
  }
  spawn() {
    this.worker = new Worker(new URL('./worker.mjs', import.meta.url));
    this.worker.unref();
  }
  run(job) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.worker.removeAllListeners('message');
        this.worker.removeAllListeners('error');
        void this.worker.terminate();
        this.spawn();
        resolve({ outcome: 'hang' });
      }, TIMEOUT_MS);
      const done = (r) => {
        clearTimeout(timer);
        this.worker.removeAllListeners('message');
        this.worker.removeAllListeners('error');
        resolve(r);
      };
      this.worker.on('message', done);
      this.worker.on('error', (e) => {
        // A worker that dies (out of memory, a native crash) counts as an internal error.
        this.spawn();
        done({ outcome: 'internal', code: 'WORKER', message: String(e?.message ?? e) });
      });
      this.worker.postMessage(job);
    });
  }
  close() {
    void this.worker.terminate();
  }
}

/** The job of a capture or config mutant: the mutant written where the worker reads it. */
function captureJob(dir, kind, m) {
  const file = join(dir, kind === 'config' ? 'run.yaml' : kind === 'pcap' ? 'm.pcap' : 'm.pcapng');
  mkdirSync(join(dir, 'captures'), { recursive: true });
  writeFileSync(file, m.bytes);
  return { id: m.index, kind, file, out: join(dir, 'repaired.pcap'), dir };
}

/** Trains the tiny model once per fuzz run (in the worker), under the fuzz work dir. */
async function modelBase(pool, dir) {
  const base = join(dir, 'model-base');
  mkdirSync(join(base, 'captures'), { recursive: true });
  for (const c of MODEL_CAPTURES)
    writeFileSync(join(base, 'captures', c.split('/').pop()), readFileSync(fileURLToPath(new URL(`../../${c}`, import.meta.url))));
  const r = await pool.run({ id: -1, kind: 'model-base', dir: base });
  if (r.outcome !== 'ok') throw new Error(`fuzz: training the base model failed: ${r.code} ${r.message}`);
  return { dir, base, files: readModelFolder(base) };
}

function mutantsOf(kind, bases) {
  return function* () {
    for (let i = FIRST; i < FIRST + MUTANTS; i++) {
      if (kind === 'config') {
        yield { index: i, base: 'config', ...mutateConfig(CONFIG_BASE, SEED, i) };
        continue;
      }
      if (kind === 'model') {
        yield { index: i, base: 'model', ...mutateModel(bases.files, SEED, i) };
        continue;
      }
      const base = bases[i % bases.length];
      yield { index: i, base: base.name, ...mutateCapture(base.bytes, SEED, i) };
    }
  };
}

async function main() {
  if (!HAVE_SHARED_DATA && KINDS.some((k) => k !== 'config' && k !== 'model')) {
    console.error(`fuzz: ${SHARED_DATA} not found: only the config and model kinds can run (--kinds config,model)`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-fuzz-'));
  const pool = new Pool();
  const totals = { mutants: 0, ok: 0, clean_errors: 0, internal_errors: 0, hangs: 0 };
  const byKind = {};
  const started = Date.now();
  try {
    for (const kind of KINDS) {
      const bases = kind === 'pcap' ? loadBases(PCAP_BASES) : kind === 'pcapng' ? loadBases(PCAPNG_BASES) : kind === 'model' ? await modelBase(pool, dir) : [];
      if (kind !== 'config' && kind !== 'model' && bases.length === 0) continue;
      const counts = (byKind[kind] = { mutants: 0, ok: 0, clean_errors: 0, internal_errors: 0, hangs: 0 });
      const codes = {};
      for (const m of mutantsOf(kind, bases)()) {
        const r = kind === 'model' ? await pool.run({ id: m.index, kind, ...mutantRunFolder(bases, m) }) : await pool.run(captureJob(dir, kind, m));
        const key = r.outcome === 'ok' ? 'ok' : r.outcome === 'clean' ? 'clean_errors' : r.outcome === 'hang' ? 'hangs' : 'internal_errors';
        (counts.mutants++, totals.mutants++, counts[key]++, totals[key]++);
        if (r.code && r.outcome === 'clean') codes[r.code] = (codes[r.code] ?? 0) + 1;
        if (key === 'internal_errors' || key === 'hangs') {
          console.error(
            `fuzz ${key}: --kinds ${kind} --seed ${SEED} --first ${m.index} --mutants 1 (${m.base}; ${m.what}): ${r.code ?? ''} ${r.message ?? ''}`,
          );
        }
        if (counts.mutants % 200 === 0) console.error(`fuzz ${kind}: ${counts.mutants}/${MUTANTS} (${Math.round((Date.now() - started) / 1000)} s)`);
      }
      counts.codes = codes;
    }
  } finally {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const line = {
    bench: 'fuzz',
    ...totals,
    max_rss_mb: maxRssMb,
    seed: SEED,
    per_kind: MUTANTS,
    seconds: Math.round((Date.now() - started) / 1000),
    kinds: byKind,
  };
  console.log(JSON.stringify(line));
  process.exit(totals.internal_errors + totals.hangs > 0 ? 1 : 0);
}

await main();
