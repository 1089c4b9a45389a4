import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createRng,
  deriveSeed,
  InvalidArgumentError,
  isNetsynthError,
  OutputExistsError,
  parsePluginOptions,
  silentProgress,
  type Constraint,
  type Packet,
  type PluginContext,
} from '@netsynth/core';
import { assembleFlows, CaptureReader, PcapWriter, readCaptureAll } from '@netsynth/pcap';
import {
  checkStream,
  DEFAULT_CHUNK_PACKETS,
  RULESET_ORDER,
  type StreamChainSummary,
  type UnrepairableEntry,
  type UnrepairablePolicy,
  type ViolationCounts,
} from '@netsynth/protocol-rules';
import { InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import type { CliCommand, CommandEnv } from '../command.js';
import { toJson } from '../json.js';
import { PluginLoader, shortPluginSpec } from '../plugin-loader.js';
import { collect, parseNonNegativeInt } from './options.js';

interface CheckFlags {
  rules: string;
  repair?: string;
  force?: boolean;
  learn: string[];
  strict?: boolean;
  options?: string;
  seed: number;
  examples: number;
  json?: boolean;
  unrepairable: UnrepairablePolicy;
  chunkPackets: number;
}

/** Commander parser for --unrepairable. */
function parsePolicy(value: string): UnrepairablePolicy {
  if (value !== 'drop' && value !== 'keep') throw new CommanderInvalidArgument('expected drop or keep.');
  return value;
}

/** The repair outcome's lines: packets given up on, each with its input index and reason. */
function unrepairableText(list: readonly UnrepairableEntry[], policy: UnrepairablePolicy, n: number): string {
  if (list.length === 0) return '';
  const lines = [`unrepairable: ${list.length} packet(s) ${policy === 'drop' ? 'dropped' : 'kept unchanged'}`];
  for (const u of list.slice(0, n)) lines.push(`  packet ${u.index}: ${u.rule}: ${u.reason}`);
  if (list.length > n) lines.push(`  … ${list.length - n} more (--json lists all)`);
  return `${lines.join('\n')}\n`;
}

/** Commander parser for --chunk-packets: at least one packet per chunk. */
function parseChunkPackets(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n < 1) throw new CommanderInvalidArgument('expected a positive integer.');
  return n;
}

function parseRules(text: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('--rules needs at least one ruleset');
  return [...new Set(names)];
}

function parseOptions(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`--options is not JSON: ${text}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError('--options must be a JSON object keyed by ruleset name');
  return value as Record<string, unknown>;
}

/** The rulesets are synchronous and only read their options; the context is the plain minimum. */
function contextFor(name: string, seed: number, cwd: string): PluginContext {
  const s = deriveSeed(seed, `check:${name}`);
  return { seed: s, rng: createRng(s), progress: silentProgress, workDir: cwd, baseDir: cwd };
}

/**
 * A ruleset by short name ("tcp" → @netsynth/ruleset-tcp), package name or path, through the
 * plugin loader. `--strict` applies the plugin's own `strict` preset under the user's options.
 */
async function createRuleset(loader: PluginLoader, name: string, user: unknown, strict: boolean, seed: number, cwd: string): Promise<Constraint> {
  const spec = shortPluginSpec('ruleset', name);
  try {
    loader.resolve(spec, '--rules');
  } catch (e) {
    if (isNetsynthError(e))
      throw new InvalidArgumentError(
        `--rules: unknown ruleset "${name}" (known: ${RULESET_ORDER.join(', ')}, or a constraint plugin's package name or path): ${e.message}`,
      );
    throw e;
  }
  const loaded = await loader.load(spec, 'constraint', '--rules');
  const preset = strict ? (loaded.def.presets?.['strict'] ?? {}) : {};
  const userOptions = typeof user === 'object' && user !== null ? user : {};
  const options = parsePluginOptions(loaded.def, { ...preset, ...userOptions }, `--options.${name}`);
  return loaded.def.create(options, contextFor(name, seed, cwd));
}

function table(title: string, c: ViolationCounts): string {
  const lines = [`${title}: ${c.total} violation(s)`];
  for (const [name, r] of Object.entries(c.byRuleset)) {
    lines.push(`  ${name.padEnd(5)} ${String(r.total).padStart(7)}`);
    for (const [rule, k] of Object.entries(r.byRule)) lines.push(`    ${rule.padEnd(24)} ${String(k).padStart(7)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Streams the capture through the rulesets chunk by chunk (`--chunk-packets`), writing the
 * repaired packets as each chunk is done: memory is one chunk, not the capture. The output is
 * a temporary file renamed at the end, and removed on any failure.
 */
async function checkFile(file: string, rulesets: readonly Constraint[], flags: CheckFlags, env: CommandEnv): Promise<StreamChainSummary> {
  const { io, signal } = env;
  const reader = new CaptureReader(file, { signal });
  const common = { chunkPackets: flags.chunkPackets, examples: flags.examples, signal };
  if (flags.repair === undefined) return checkStream(rulesets, reader.batches(), common);
  const out = resolve(io.cwd, flags.repair);
  const force = flags.force ?? false;
  // Refused before reading anything; the writer itself waits for the capture's link type.
  if (!force && existsSync(out)) throw new OutputExistsError(out);
  let writer: PcapWriter | undefined;
  const writerFor = (first?: Packet): PcapWriter => (writer ??= new PcapWriter(out, { linkType: reader.linkTypes[0] ?? first?.linkType ?? 1, force }));
  try {
    const summary = await checkStream(rulesets, reader.batches(), {
      ...common,
      repair: {
        rng: createRng(flags.seed),
        unrepairable: flags.unrepairable,
        write: (packets) => writerFor(packets[0]).writeAll(packets),
      },
    });
    await writerFor().close();
    return summary;
  } catch (e) {
    await writer?.abort();
    throw e;
  }
}

export const checkCommand: CliCommand = {
  name: 'check',
  register(program, env) {
    program
      .command('check')
      .description('check a capture against protocol rulesets; with --repair, write a repaired capture and report counts before and after')
      .argument('<capture>', 'pcap or pcapng file')
      .option('--rules <list>', 'rulesets, comma-separated (applied in the order ipv4, tcp, udp, icmp, flow)', 'ipv4,tcp,udp,icmp,flow')
      .option('--repair <out>', 'write the repaired packets to this pcap (atomically)')
      .option('--force', 'replace an existing --repair output')
      .option('--unrepairable <policy>', 'a packet repair cannot make valid: drop it, or keep it unchanged (listed either way)', parsePolicy, 'drop')
      .option('--learn <capture>', 'real capture to learn repair values from (TTLs, windows, options, timing); repeatable', collect, [])
      .option('--strict', 'the capture is generated: report NIC-offloaded checksums and sequence gaps (no capture loss)')
      .option('--options <json>', 'ruleset options as JSON keyed by ruleset, e.g. {"flow":{"maxIdleSeconds":600}}')
      .option('--seed <n>', 'seed for repair choices', parseNonNegativeInt, 1)
      .option('--examples <n>', 'violations listed per ruleset (before repair)', parseNonNegativeInt, 5)
      .option('--json', 'print the report as JSON on stdout')
      .option(
        '--chunk-packets <n>',
        'packets checked and repaired together; memory grows with it, and a flow straddling two chunks is checked as two pieces',
        parseChunkPackets,
        DEFAULT_CHUNK_PACKETS,
      )
      .action(async (captureArg: string, flags: CheckFlags) => {
        const { io } = env;
        const names = parseRules(flags.rules);
        const userOptions = parseOptions(flags.options);
        const loader = new PluginLoader({ baseDir: io.cwd });
        const rulesets = await Promise.all(names.map((n) => createRuleset(loader, n, userOptions[n], flags.strict ?? false, flags.seed, io.cwd)));
        for (const path of flags.learn) {
          const real = await readCaptureAll(resolve(io.cwd, path));
          const flows = assembleFlows(real.packets, { idleTimeoutSeconds: 60, source: path });
          for (const r of rulesets) r.learn?.(flows);
        }
        const file = resolve(io.cwd, captureArg);
        const summary = await checkFile(file, rulesets, flags, env);
        const report: Record<string, unknown> = {
          file,
          packets: summary.packets,
          rules: names,
          strict: flags.strict ?? false,
          before: summary.before,
          examples: summary.examples,
          chunks: { count: summary.chunks, packets: summary.chunkPackets },
        };
        let text = table('before', summary.before);
        const result = summary.repair;
        if (flags.repair !== undefined && result) {
          const out = resolve(io.cwd, flags.repair);
          report['after'] = result.after;
          report['repair'] = {
            out,
            packets: result.packets,
            rounds: result.rounds,
            changes: result.changes,
            changesByRule: result.changesByRule,
            unrepairable: { policy: result.policy, count: result.unrepairable.length, packets: result.unrepairable },
          };
          text += table('after', result.after);
          text += unrepairableText(result.unrepairable, result.policy, Math.max(flags.examples, 1));
          text += `repaired capture: ${out} (${result.packets} packet(s), ${result.changes} field change(s), ${result.rounds} round(s))\n`;
        }
        io.stdout.write(flags.json ? `${toJson(report)}\n` : text);
      });
  },
};
