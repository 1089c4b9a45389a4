import { describe, expect, it } from 'vitest';
import { LinkType, type LabelledSample, type Packet } from '@netsynth/core';
import { assembleFlows, recomputeChecksums } from '@netsynth/pcap';
import { Ip2VecTable, createFlowRecordEncoder, recordSentence, token, trainIp2Vec, type FlowRecord } from '../src/index.js';

const OPTS = { dim: 8, epochs: 30, negatives: 4, batch: 64, lr: 0.02, seed: 3 };

/**
 * A synthetic vocabulary of `groups` services: group g's clients (10.g.0.c) reach server
 * 10.g.1.1 on port 1000+g over one protocol, from client ports of their own. Values of one
 * group co-occur; values of different groups never do.
 */
function groupedRecords(groups: number, clients: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let g = 0; g < groups; g++)
    for (let c = 0; c < clients; c++)
      for (let rep = 0; rep < 3; rep++)
        out.push({
          srcip: `10.${g}.0.${c + 1}`,
          dstip: `10.${g}.1.1`,
          srcport: 20_000 + g * 100 + c,
          dstport: 1000 + g,
          proto: g % 2 ? 'udp' : 'tcp',
          ts: 0,
          td: 0,
          pkt: 1,
          byt: 40,
          upShare: 1,
        });
  return out;
}

describe('IP2Vec (skip-gram with negative sampling, trained with @netsynth/nn)', () => {
  it('puts co-occurring values closer than values that never co-occur', async () => {
    const groups = 4;
    const model = await trainIp2Vec(groupedRecords(groups, 5).map(recordSentence), OPTS);
    const t = new Ip2VecTable(model);
    let same = 0;
    let sameN = 0;
    let other = 0;
    let otherN = 0;
    for (let g = 0; g < groups; g++) {
      for (let h = 0; h < groups; h++) {
        for (let c = 0; c < 5; c++) {
          // A client address against a server port: within its group it co-occurs, across groups never.
          const d = t.distance(token('a', `10.${g}.0.${c + 1}`), token('p', 1000 + h));
          if (g === h) {
            same += d;
            sameN++;
          } else {
            other += d;
            otherN++;
          }
        }
      }
    }
    expect(same / sameN).toBeLessThan(0.7 * (other / otherN));
    // Every coordinate in the generator's range.
    for (const v of model.vectors) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });

  it('decodes every vocabulary value from its own vector (nearest neighbour), per kind', async () => {
    const model = await trainIp2Vec(groupedRecords(3, 4).map(recordSentence), { ...OPTS, epochs: 5 });
    const t = new Ip2VecTable(model);
    const buf = new Float32Array(model.dim);
    for (const w of model.vocab) {
      t.put(w, buf, 0);
      expect(t.nearest(w.slice(0, 1), buf, 0)).toBe(w);
    }
    // A port vector asked for as an address decodes to an address, never to the port.
    t.put(token('p', 1000), buf, 0);
    expect(t.nearest('a', buf, 0)).toMatch(/^a:/);
  });

  it('is deterministic for a seed and differs for another', async () => {
    const sentences = groupedRecords(2, 3).map(recordSentence);
    const a = await trainIp2Vec(sentences, { ...OPTS, epochs: 3 });
    const b = await trainIp2Vec(sentences, { ...OPTS, epochs: 3 });
    const c = await trainIp2Vec(sentences, { ...OPTS, epochs: 3, seed: 4 });
    expect(b).toEqual(a);
    expect(c.vectors).not.toEqual(a.vectors);
  });
});

/** A one-packet raw-IPv4 flow from `src:sport` to `dst:dport` (TCP or UDP). */
function sample(src: number[], dst: number[], sport: number, dport: number, proto: 'tcp' | 'udp', i: number): LabelledSample {
  const size = 40;
  const d = new Uint8Array(size);
  const v = new DataView(d.buffer);
  d[0] = 0x45;
  v.setUint16(2, size);
  d[8] = 64;
  d[9] = proto === 'tcp' ? 6 : 17;
  d.set([...src, ...dst], 12);
  v.setUint16(20, sport);
  v.setUint16(22, dport);
  if (proto === 'tcp') d[32] = 0x50;
  else v.setUint16(24, size - 20);
  const p: Packet = recomputeChecksums({
    timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000_000n,
    capturedLength: size,
    originalLength: size,
    linkType: LinkType.RAW,
    data: d,
  });
  const [flow] = assembleFlows([p], { idleTimeoutSeconds: 600 });
  return { id: `s#${i}@0`, label: 's', flow: flow!, windowStart: 0 };
}

function samples(): LabelledSample[] {
  const out: LabelledSample[] = [];
  for (let i = 0; i < 24; i++) {
    const g = i % 3;
    out.push(sample([10, g, 0, 1 + (i % 4)], [10, g, 1, 1], 30_000 + i, 2000 + g, g === 1 ? 'udp' : 'tcp', i));
  }
  return out;
}

describe('flow-record encoder with IP2Vec fields', () => {
  const options = { encoding: { addresses: 'ip2vec', ports: 'ip2vec', protocol: 'ip2vec' }, ip2vec: { dim: 6, epochs: 4, batch: 32 } } as const;

  it('sizes the series by the vector size and round-trips addresses, ports and protocol', async () => {
    const enc = createFlowRecordEncoder(options);
    // 2 addresses + 2 ports + protocol, 6 values each, then the 5 continuous values.
    expect(enc.length).toBe(5 * 6 + 5);
    const train = samples();
    await enc.fit(train);
    for (const s of train) {
      const r = enc.record(s);
      const back = enc.decode(enc.encode(s), s.label).record;
      expect([back.srcip, back.dstip, back.srcport, back.dstport, back.proto]).toEqual([r.srcip, r.dstip, r.srcport, r.dstport, r.proto]);
    }
  });

  it('keeps the embedding in the state: a reloaded encoder decodes as the fitted one', async () => {
    const enc = createFlowRecordEncoder(options);
    const train = samples();
    await enc.fit(train);
    const state = JSON.parse(JSON.stringify(enc.state()));
    const reloaded = createFlowRecordEncoder(options);
    reloaded.loadState(state);
    for (const s of train) expect(reloaded.decode(enc.encode(s), s.label).record).toEqual(enc.decode(enc.encode(s), s.label).record);
    // A state without the table cannot serve IP2Vec options.
    const bits = createFlowRecordEncoder({});
    await bits.fit(train);
    expect(() => createFlowRecordEncoder(options).loadState(bits.state())).toThrow(/IP2Vec/);
  });

  it('refuses to encode IP2Vec fields before fit', () => {
    expect(() => createFlowRecordEncoder(options).encode(samples()[0]!)).toThrow(/fit/);
  });

  it("trains on the CPU with one warning when the run's execution provider is missing, the plugin's own option first", async () => {
    const warnings: string[] = [];
    // What the encoder takes from its plugin context: the run's providers and where warnings go.
    const run = { executionProviders: ['no-such-provider', 'cpu'], progress: { warn: (m: string) => void warnings.push(m) } };
    const train = samples();
    const fallback = createFlowRecordEncoder(options, run);
    await fallback.fit(train);
    expect(warnings.filter((w) => w.includes('"no-such-provider" is not available'))).toHaveLength(1);
    // The fallback is the CPU session itself: the same vectors as a CPU-only encoder.
    const cpu = createFlowRecordEncoder(options);
    await cpu.fit(train);
    expect(fallback.state()).toEqual(cpu.state());
    // The plugin's own executionProviders wins over the run's.
    await createFlowRecordEncoder({ ...options, executionProviders: ['other-missing', 'cpu'] }, run).fit(train);
    expect(warnings.filter((w) => w.includes('"other-missing" is not available'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('"no-such-provider" is not available'))).toHaveLength(1);
  });
});
