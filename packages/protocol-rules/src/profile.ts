/**
 * What repairs learn from real traffic (`Constraint.learn`): the values real stacks put in the
 * fields a repair may have to fill. Until something is learned, `TrafficProfile.defaults()`
 * gives the values of a current Linux stack, which is what the bundled lab captures show.
 */
import type { Flow, JsonObject, JsonValue } from '@netsynth/core';
import { nsToSeconds } from '@netsynth/core';
import { Histogram, NumericSample } from './distribution.js';
import { TCP_FLAG } from './fields.js';
import { layoutOf, mssValue, parseTcpOptions, TCPOPT, wscaleValue } from './tcp-options.js';
import { viewOf } from './view.js';

export type SegmentRole = 'syn' | 'synack' | 'other';

export function segmentRole(flags: number): SegmentRole {
  if (flags & TCP_FLAG.SYN) return flags & TCP_FLAG.ACK ? 'synack' : 'syn';
  return 'other';
}

export class TrafficProfile {
  readonly ttl = new Histogram<number>();
  readonly hopLimit = new Histogram<number>();
  readonly dontFragment = new Histogram<number>();
  readonly tos = new Histogram<number>();
  readonly protocol = new Histogram<number>();
  readonly addresses = new Histogram<string>();
  readonly tcpWindow = { syn: new Histogram<number>(), synack: new Histogram<number>(), other: new Histogram<number>() };
  readonly tcpLayout = { syn: new Histogram<string>(), synack: new Histogram<string>(), other: new Histogram<string>() };
  readonly mss = new Histogram<number>();
  readonly wscale = new Histogram<number>();
  readonly tcpFlags = new Histogram<number>();
  readonly tcpServicePorts = new Histogram<number>();
  readonly udpServicePorts = new Histogram<number>();
  readonly icmpTypeCode = new Histogram<string>();
  /** Seconds between consecutive packets of a flow. */
  readonly iat = new NumericSample();
  /** Seconds from a packet to the first packet of the other direction that follows it. */
  readonly turnaround = new NumericSample();
  /** Packets learned from (0 for the built-in defaults). */
  learnedPackets = 0;

  /** Learns from real flows; can be called several times (values accumulate). */
  learn(flows: readonly Flow[]): void {
    for (const flow of flows) {
      let prevNs: bigint | undefined;
      let prevDir: number | undefined;
      flow.packets.forEach((packet, i) => {
        const view = viewOf(packet, i);
        const dir = flow.directions[i] ?? 0;
        if (prevNs !== undefined && packet.timestampNs >= prevNs) {
          const dt = nsToSeconds(packet.timestampNs - prevNs);
          this.iat.add(dt);
          if (prevDir !== undefined && prevDir !== dir) this.turnaround.add(dt);
        }
        prevNs = packet.timestampNs;
        prevDir = dir;
        this.learnPacket(view);
      });
    }
  }

  private learnPacket(view: ReturnType<typeof viewOf>): void {
    if (!view.ipv4 && !view.ipv6) return;
    this.learnedPackets++;
    if (view.ipv4) {
      this.ttl.add(view.ipv4.ttl);
      this.dontFragment.add(view.ipv4.dontFragment ? 1 : 0);
      this.tos.add(view.ipv4.tos);
      this.protocol.add(view.ipv4.protocol);
      this.addresses.add(view.ipv4.src);
    }
    if (view.ipv6) this.hopLimit.add(view.ipv6.hopLimit);
    const tcp = view.tcp;
    if (tcp && !tcp.truncated) {
      const flags = tcp.flags.value;
      this.tcpFlags.add(flags);
      const role = segmentRole(flags);
      this.tcpWindow[role].add(tcp.window);
      const parsed = parseTcpOptions(tcp.rawOptions);
      if (parsed.problems.length === 0) {
        this.tcpLayout[role].add(layoutOf(parsed.options));
        for (const o of parsed.options) {
          if (o.kind === TCPOPT.MSS && role !== 'other') this.mss.add(mssValue(o));
          if (o.kind === TCPOPT.WSCALE && role !== 'other') this.wscale.add(wscaleValue(o));
        }
      }
      if (role === 'syn') this.tcpServicePorts.add(tcp.dstPort);
    }
    if (view.udp) this.udpServicePorts.add(Math.min(view.udp.srcPort, view.udp.dstPort));
    if (view.icmp) this.icmpTypeCode.add(`${view.icmp.type}/${view.icmp.code}`);
  }

  /** Linux 6.x defaults (what the bundled lab captures show), used until something is learned. */
  static defaults(): TrafficProfile {
    const p = new TrafficProfile();
    p.ttl.add(64);
    p.hopLimit.add(64);
    p.dontFragment.add(1);
    p.tos.add(0);
    p.protocol.add(6);
    p.tcpWindow.syn.add(64240);
    p.tcpWindow.synack.add(65160);
    p.tcpWindow.other.add(502);
    p.tcpLayout.syn.add('2,4,8,1,3');
    p.tcpLayout.synack.add('2,4,8,1,3');
    p.tcpLayout.other.add('1,1,8');
    p.mss.add(1460);
    p.wscale.add(7);
    for (const [flags, n] of [
      [TCP_FLAG.ACK, 50],
      [TCP_FLAG.ACK | TCP_FLAG.PSH, 30],
      [TCP_FLAG.SYN, 4],
      [TCP_FLAG.SYN | TCP_FLAG.ACK, 4],
      [TCP_FLAG.FIN | TCP_FLAG.ACK, 4],
      [TCP_FLAG.RST, 1],
      [TCP_FLAG.RST | TCP_FLAG.ACK, 1],
    ] as const) {
      p.tcpFlags.add(flags, n);
    }
    p.tcpServicePorts.add(443, 2);
    p.tcpServicePorts.add(80);
    p.udpServicePorts.add(53);
    p.icmpTypeCode.add('8/0');
    p.icmpTypeCode.add('0/0');
    // Inter-arrival times spread over 10 µs .. 200 ms (log-uniform): a neutral prior.
    for (let i = 0; i <= 40; i++) p.iat.add(1e-5 * Math.pow(2e4, i / 40));
    for (let i = 0; i <= 20; i++) p.turnaround.add(1e-4 * Math.pow(1e3, i / 20));
    return p;
  }

  toJSON(): JsonObject {
    const h = (x: { toJSON(): JsonValue }): JsonValue => x.toJSON();
    return {
      learnedPackets: this.learnedPackets,
      ttl: h(this.ttl),
      hopLimit: h(this.hopLimit),
      dontFragment: h(this.dontFragment),
      tcpWindow: { syn: h(this.tcpWindow.syn), synack: h(this.tcpWindow.synack), other: h(this.tcpWindow.other) },
      tcpLayout: { syn: h(this.tcpLayout.syn), synack: h(this.tcpLayout.synack), other: h(this.tcpLayout.other) },
      mss: h(this.mss),
      wscale: h(this.wscale),
      tcpFlags: h(this.tcpFlags),
      icmpTypeCode: h(this.icmpTypeCode),
      iatSeconds: { p10: this.iat.quantile(0.1) ?? null, p50: this.iat.quantile(0.5) ?? null, p90: this.iat.quantile(0.9) ?? null },
    };
  }
}

/**
 * Where repairs get their values: the learned profile field by field, falling back to the
 * built-in defaults for a field nothing was learned for.
 */
export class ValueSource {
  readonly defaults = TrafficProfile.defaults();
  constructor(public learned: TrafficProfile = new TrafficProfile()) {}

  hist<K extends number | string>(select: (p: TrafficProfile) => Histogram<K>): Histogram<K> {
    const h = select(this.learned);
    return h.total > 0 ? h : select(this.defaults);
  }

  numeric(select: (p: TrafficProfile) => NumericSample): NumericSample {
    const s = select(this.learned);
    return s.size > 0 ? s : select(this.defaults);
  }

  /** Learns more real flows into the learned profile. */
  learn(flows: readonly Flow[]): void {
    this.learned.learn(flows);
  }
}
