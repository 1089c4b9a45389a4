import type { Rng } from '@netsynth/core';
import { readBitsUint } from './bits.js';
import { fieldText, writeField } from './field-fill.js';
import { idStepFitsCounter } from './ip-id.js';
import type { LayoutBlock, NprintLayout } from './layout.js';
import type { RowChange, RowShape, Transport } from './repair-row.js';
import type { RowStats } from './row-stats.js';

/**
 * One conversation per generated sample (`conversation: 'sample'`, the default of
 * `rows: 'repair'`). A generated picture is one flow, but each row's ports, directions and
 * flags are drawn on their own: repaired row by row, NetDiffusion's generated_netflix_5
 * becomes ~860 TCP conversations. Here the sample's IP version, transport and port pair are
 * chosen once and every row follows them:
 *
 * - version / transport: the majority of the rows' own choices (ties: learned majority);
 * - ports: the rows' majority pair when at least half the rows carry it; else the class's
 *   learned ports (the most frequent one is the server's, a client port drawn from the
 *   rest); else the most frequent port value of the rows and its most frequent partner;
 *   else seeded (server from the well-known range, client from the dynamic range);
 * - direction of each row: the orientation of the pair nearest to its port bits;
 * - TCP: a handshake (SYN, SYN-ACK, ACK) opens the sample unless the training samples
 *   mostly start mid-stream; no other row is a SYN; every segment after the SYN carries ACK;
 * - IPv4 IDs: a direction whose IDs mostly count up gets its outliers continued from the
 *   previous ID; one whose IDs are mostly random stays random when the learned directions
 *   say the class's stacks draw random IDs, else it counts up too.
 *
 * Sequence/acknowledgement numbers, FIN/RST placement, TTLs and timing are the flow
 * ruleset's (it repairs exactly those per 5-tuple, which is now one). `conversation: 'row'`
 * keeps each row on its own (a capture of many flows decoded as one table needs it).
 */
export type ConversationMode = 'sample' | 'row';

export interface ConversationPlan {
  version: 4 | 6;
  transport: Transport;
  /** Ports of the side sending the first packet (a) and of its peer (b); null for ICMP. */
  ports: { a: number; b: number } | null;
  portsFrom: 'rows' | 'learned' | 'row values' | 'seeded' | 'none';
  handshake: boolean;
  why: string;
  /** Per direction (a→b, b→a): continue IPv4 IDs as a counter, or leave them as drawn. */
  ipIds: ['counting' | 'random', 'counting' | 'random'];
}

interface PlannedRow {
  transport: Transport | 'none';
  /** The 32 port cells (sport, dport) of its transport header, when TCP/UDP. */
  ports: Int8Array | null;
  id: number;
  icmpType: number;
}

const PORT_OFFSET = 0;
const WELL_KNOWN = 1024;
const DYNAMIC_FIRST = 49152;

function known(cells: Int8Array, start: number, bits: number): boolean {
  for (let i = 0; i < bits; i++) if (cells[start + i] === -1) return false;
  return true;
}

function cellsDistance(cells: Int8Array, start: number, value: number): number {
  let d = 0;
  for (let i = 0; i < 16; i++) {
    const c = cells[start + i] as number;
    if (c !== -1 && c !== ((value >>> (15 - i)) & 1)) d++;
  }
  return d;
}

/** 0 when the row's ports are nearer (a→b), 1 when nearer (b→a); ties 0. */
export function nearestDirection(cells: Int8Array, a: number, b: number): 0 | 1 {
  const forward = cellsDistance(cells, 0, a) + cellsDistance(cells, 16, b);
  const back = cellsDistance(cells, 0, b) + cellsDistance(cells, 16, a);
  return back < forward ? 1 : 0;
}

const top = (m: Map<number, number>, skip?: number): number | undefined => {
  let best: number | undefined;
  let n = 0;
  for (const [v, c] of m) if (v !== skip && (c > n || (c === n && best !== undefined && v < best))) [best, n] = [v, c];
  return best;
};
const bump = (m: Map<number, number>, k: number, by = 1): void => void m.set(k, (m.get(k) ?? 0) + by);

/** Collects the rows' own choices (first pass), then plans the sample's conversation. */
export class ConversationPlanner {
  private readonly rows: PlannedRow[] = [];
  private readonly versions = { v4: 0, v6: 0 };
  private readonly transports = { tcp: 0, udp: 0, icmp: 0 };

  add(row: Int8Array, layout: NprintLayout, shape: RowShape): void {
    if (shape.kind !== 'packet') return;
    shape.version === 4 ? this.versions.v4++ : this.versions.v6++;
    if (shape.transport !== 'none') this.transports[shape.transport]++;
    const block = shape.transport === 'tcp' || shape.transport === 'udp' ? layout.block(shape.transport) : undefined;
    const ip4 = layout.block('ipv4');
    const icmp = layout.block('icmp');
    this.rows.push({
      transport: shape.transport,
      ports: block ? row.slice(block.start + PORT_OFFSET, block.start + PORT_OFFSET + 32) : null,
      id: shape.version === 4 && ip4 && known(row, ip4.start + 32, 16) ? readBitsUint(row, ip4.start + 32, 16) : -1,
      icmpType: icmp && known(row, icmp.start, 8) ? readBitsUint(row, icmp.start, 8) : -1,
    });
  }

  /** The plan, or null when the sample has no packet row. */
  plan(stats: RowStats | null, rng: Rng): { plan: ConversationPlan; directions: (0 | 1)[] } | null {
    if (this.rows.length === 0) return null;
    const lv = stats?.data.versions;
    const version: 4 | 6 = this.versions.v6 > this.versions.v4 || (this.versions.v6 === this.versions.v4 && lv !== undefined && lv.v6 > lv.v4) ? 6 : 4;
    const lt = stats?.data.transports;
    const order: Transport[] = version === 4 ? ['tcp', 'udp', 'icmp'] : ['tcp', 'udp'];
    const transport = order.reduce((best, t) => {
      const d = this.transports[t] - this.transports[best];
      return d > 0 || (d === 0 && (lt?.[t] ?? 0) > (lt?.[best] ?? 0)) ? t : best;
    }, order[0] as Transport);
    const handshake = this.handshake(transport, stats);
    const ports = transport === 'icmp' ? null : this.ports(transport, stats, rng, handshake.on);
    const directions = this.rows.map((r, k): 0 | 1 => {
      if (handshake.on && k < 3) return k === 1 ? 1 : 0;
      if (transport === 'icmp') return r.icmpType === 0 ? 1 : 0;
      return ports && r.ports ? nearestDirection(r.ports, ports.pair.a, ports.pair.b) : 0;
    });
    const plan: ConversationPlan = {
      version,
      transport,
      ports: ports?.pair ?? null,
      portsFrom: ports?.from ?? 'none',
      handshake: handshake.on,
      why:
        `${transport.toUpperCase()} (${this.transports[transport]} of ${this.rows.length} rows)` +
        (ports ? `; ports ${ports.why}` : '') +
        (transport === 'tcp' ? `; ${handshake.why}` : ''),
      ipIds: [this.idMode(directions, 0, stats), this.idMode(directions, 1, stats)],
    };
    return { plan, directions };
  }

  private handshake(transport: Transport, stats: RowStats | null): { on: boolean; why: string } {
    if (transport !== 'tcp') return { on: false, why: '' };
    const starts = stats?.data.samples?.tcpStarts;
    if (starts && starts.syn + starts.other > 0) {
      const on = starts.syn >= starts.other;
      return {
        on,
        why: `${on ? 'opens with a handshake' : 'starts mid-stream'}: ${starts.syn} of ${starts.syn + starts.other} training samples start with a SYN`,
      };
    }
    return { on: true, why: 'opens with a handshake (nothing learned: a generated sample is a whole flow)' };
  }

  private ports(
    transport: 'tcp' | 'udp',
    stats: RowStats | null,
    rng: Rng,
    handshake: boolean,
  ): { pair: { a: number; b: number }; from: ConversationPlan['portsFrom']; why: string } {
    const full = this.rows.filter((r) => r.transport === transport && r.ports && known(r.ports, 0, 32)).map((r) => r.ports as Int8Array);
    const pairs = new Map<number, number>();
    const values = new Map<number, number>();
    for (const cells of full) {
      const s = readBitsUint(cells, 0, 16);
      const d = readBitsUint(cells, 16, 16);
      bump(pairs, Math.min(s, d) * 65536 + Math.max(s, d));
      bump(values, s);
      if (d !== s) bump(values, d);
    }
    const best = top(pairs);
    if (best !== undefined && (pairs.get(best) ?? 0) * 2 >= full.length) {
      const first = full.find((c) => {
        const s = readBitsUint(c, 0, 16);
        const d = readBitsUint(c, 16, 16);
        return Math.min(s, d) * 65536 + Math.max(s, d) === best;
      }) as Int8Array;
      const pair = { a: readBitsUint(first, 0, 16), b: readBitsUint(first, 16, 16) };
      return { pair, from: 'rows', why: `${pair.a} ⇄ ${pair.b}: the rows' majority pair (${pairs.get(best)} of ${full.length} rows)` };
    }
    const learned = new Map<number, number>();
    const [sName, dName] = transport === 'tcp' ? ['tcp_sprt', 'tcp_dprt'] : ['udp_sport', 'udp_dport'];
    for (const name of [sName, dName]) for (const [v, c] of stats?.field(name)?.top ?? []) bump(learned, v, c);
    let server = top(learned);
    let from: ConversationPlan['portsFrom'] = 'learned';
    let client: number | undefined;
    if (server !== undefined) {
      const others = [...learned.entries()].filter(([v]) => v !== server).sort((x, y) => y[1] - x[1] || x[0] - y[0]);
      const total = others.reduce((n, [, c]) => n + c, 0);
      let pick = total > 0 ? rng.int(total) : -1;
      for (const [v, c] of others) if (pick >= 0 && (pick -= c) < 0) client = v;
    } else if ((server = top(values)) !== undefined) {
      from = 'row values';
      const partners = new Map<number, number>();
      for (const cells of full) {
        const s = readBitsUint(cells, 0, 16);
        const d = readBitsUint(cells, 16, 16);
        if (s === server && d !== server) bump(partners, d);
        if (d === server && s !== server) bump(partners, s);
      }
      client = top(partners) ?? top(values, server);
    } else {
      from = 'seeded';
      server = 1 + rng.int(WELL_KNOWN - 1);
    }
    if (client === undefined || client === server) client = DYNAMIC_FIRST + rng.int(65536 - DYNAMIC_FIRST);
    // The client sends the first packet of a handshake; mid-stream, the first row's ports decide.
    const firstCells = this.rows.find((r) => r.transport === transport && r.ports)?.ports ?? undefined;
    const flip = !handshake && firstCells !== undefined && nearestDirection(firstCells, client, server) === 1;
    const pair = flip ? { a: server, b: client } : { a: client, b: server };
    const how =
      from === 'learned'
        ? 'server the most frequent learned port, client drawn from the other learned ports'
        : from === 'row values'
          ? 'the most frequent port of the rows and its most frequent partner (no pair held half the rows)'
          : 'seeded (no port cells, nothing learned)';
    return { pair, from, why: `${client} → ${server}: ${how}` };
  }

  private idMode(directions: readonly (0 | 1)[], dir: 0 | 1, stats: RowStats | null): 'counting' | 'random' {
    let last = -1;
    let steps = 0;
    let fits = 0;
    this.rows.forEach((r, k) => {
      if (directions[k] !== dir || r.id < 0) return;
      if (last >= 0) {
        steps++;
        if (idStepFitsCounter(last, r.id)) fits++;
      }
      last = r.id;
    });
    if (steps === 0 || fits * 2 >= steps) return 'counting';
    const learned = stats?.data.samples?.ipIdDirections;
    return learned && learned.random > 0 && learned.random >= learned.counting ? 'random' : 'counting';
  }
}

function field(block: LayoutBlock, name: string): { start: number; bits: number } {
  let at = block.start;
  for (const f of block.fields) {
    if (f.name === name) return { start: at, bits: f.bits };
    at += f.bits;
  }
  throw new RangeError(`no field ${name} in ${block.key}`);
}

function set(row: Int8Array, block: LayoutBlock, name: string, value: number, reason: string, out: RowChange[]): void {
  const f = field(block, name);
  const before = fieldText(row, f.start, f.bits);
  writeField(row, f.start, f.bits, value);
  const after = fieldText(row, f.start, f.bits);
  if (before !== after) out.push({ field: name, before, after, reason });
}

/**
 * Before a row's structural repair: its ports follow the plan's pair in its direction, and
 * TCP flags the conversation's state (k = the row's place among the sample's packet rows).
 */
export function applyConversation(row: Int8Array, layout: NprintLayout, plan: ConversationPlan, k: number, dir: 0 | 1): RowChange[] {
  const out: RowChange[] = [];
  const t = plan.transport;
  const block = t === 'icmp' ? undefined : layout.block(t);
  if (!block || !plan.ports) return out;
  const [src, dst] = dir === 0 ? [plan.ports.a, plan.ports.b] : [plan.ports.b, plan.ports.a];
  const why = `one conversation per sample: ${dir === 0 ? 'a→b' : 'b→a'} of ${plan.ports.a} ⇄ ${plan.ports.b}`;
  set(row, block, t === 'tcp' ? 'tcp_sprt' : 'udp_sport', src, why, out);
  set(row, block, t === 'tcp' ? 'tcp_dprt' : 'udp_dport', dst, why, out);
  if (t !== 'tcp') return out;
  if (plan.handshake && k < 3) {
    const step = ['SYN', 'SYN-ACK', 'ACK'][k] as string;
    const reason = `the conversation opens with a handshake: row ${k + 1} is the ${step}`;
    set(row, block, 'tcp_syn', k < 2 ? 1 : 0, reason, out);
    set(row, block, 'tcp_ackf', k === 0 ? 0 : 1, reason, out);
    for (const f of ['tcp_fin', 'tcp_rst', 'tcp_psh', 'tcp_urg']) set(row, block, f, 0, reason, out);
    if (k === 0) set(row, block, 'tcp_ackn', 0, reason, out);
    return out;
  }
  set(row, block, 'tcp_syn', 0, 'one conversation per sample: a SYN inside it would open another', out);
  const rst = row[field(block, 'tcp_rst').start] === 1;
  if (!rst && (plan.handshake || k > 0)) set(row, block, 'tcp_ackf', 1, 'every segment after the SYN carries ACK', out);
  return out;
}

/** After a row's repair: continues a counting direction's IPv4 ID where the row breaks it. */
export class IdContinuation {
  private readonly last: [number, number] = [-1, -1];
  constructor(private readonly plan: ConversationPlan) {}

  apply(row: Int8Array, layout: NprintLayout, dir: 0 | 1): RowChange[] {
    const ip = layout.block('ipv4');
    if (!ip || row[ip.start] === -1) return [];
    const f = field(ip, 'ipv4_id');
    const id = readBitsUint(row, f.start, f.bits);
    const last = this.last[dir];
    const out: RowChange[] = [];
    if (this.plan.ipIds[dir] === 'counting' && last >= 0 && !idStepFitsCounter(last, id)) {
      set(row, ip, 'ipv4_id', (last + 1) & 0xffff, `IPv4 IDs of this direction count up (the previous was ${last})`, out);
    }
    this.last[dir] = readBitsUint(row, f.start, f.bits);
    return out;
  }
}
