import { nsToSeconds, type Flow, type LabelledSample, type NetflowRecord } from '@netsynth/core';
import { FlowAssembler, ipLength, readCapture } from '@netsynth/pcap';

/**
 * A flow as one record: its own when it was read from records, else summarised from its
 * packets (src = the initiator; the counts cover both directions, as a bidirectional
 * flow record does). Undefined for a flow with neither.
 */
export function recordOfFlow(flow: Flow): NetflowRecord | undefined {
  if (flow.record) return flow.record;
  const first = flow.packets[0];
  const last = flow.packets[flow.packets.length - 1];
  if (!first || !last) return undefined;
  let byt = 0;
  for (const p of flow.packets) byt += ipLength(p);
  return {
    srcip: flow.key.a.address,
    dstip: flow.key.b.address,
    srcport: flow.key.a.port,
    dstport: flow.key.b.port,
    proto: flow.key.protocol,
    ts: nsToSeconds(first.timestampNs),
    td: Math.max(0, nsToSeconds(last.timestampNs - first.timestampNs)),
    pkt: flow.packets.length,
    byt,
  };
}

export interface CaptureRecordsOptions {
  idleTimeoutSeconds: number;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

/**
 * The flows of a capture as records, sorted by start (then by flow id): flows are
 * assembled as the capture streams (bidirectional 5-tuples, ended by the idle timeout),
 * and only their records are kept, not their packets.
 */
export async function captureRecords(file: string, options: CaptureRecordsOptions): Promise<NetflowRecord[]> {
  const assembler = new FlowAssembler({ idleTimeoutSeconds: options.idleTimeoutSeconds, source: file });
  const records: { record: NetflowRecord; id: string }[] = [];
  const keep = (flows: Flow[]): void => {
    for (const f of flows) {
      const record = recordOfFlow(f);
      if (record) records.push({ record, id: f.id });
    }
  };
  const packets = readCapture(file, {
    ...(options.signal !== undefined && { signal: options.signal }),
    onWarning: (w) => options.onWarning?.(`${w.file}, offset ${w.offset}: ${w.message}`),
  });
  for await (const p of packets) keep(assembler.add(p));
  keep(assembler.flush());
  records.sort((x, y) => x.record.ts - y.record.ts || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return records.map((r) => r.record);
}

/** The records of labelled samples (each flow's own record, or its packets' summary), with their labels. */
export function recordsOfSamples(samples: readonly LabelledSample[]): { record: NetflowRecord; label: string }[] {
  const out: { record: NetflowRecord; label: string }[] = [];
  for (const s of samples) {
    const record = recordOfFlow(s.flow);
    if (record) out.push({ record, label: s.label });
  }
  return out;
}
