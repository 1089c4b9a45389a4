import { resolve } from 'node:path';
import { createRng, deriveSeed, InvalidArgumentError, silentProgress, type Constraint, type JsonObject, type PluginContext, type Violation } from '@netsynth/core';
import { assembleFlows, readCaptureAll, writePcap } from '@netsynth/pcap';
import { checkAll, countByRule, repairAll, RULESET_ORDER, type ChainCheck, type UnrepairableEntry, type UnrepairablePolicy } from '@netsynth/protocol-rules';
import { InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import flowRuleset from '@netsynth/ruleset-flow';
import icmpRuleset from '@netsynth/ruleset-icmp';
import ipv4Ruleset from '@netsynth/ruleset-ipv4';
import tcpRuleset from '@netsynth/ruleset-tcp';
import udpRuleset from '@netsynth/ruleset-udp';
import type { z } from 'zod';
import type { CliCommand } from '../command.js';
import { toJson } from '../json.js';
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

const RULESETS = { ipv4: ipv4Ruleset, tcp: tcpRuleset, udp: udpRuleset, icmp: icmpRuleset, flow: flowRuleset } as const;
type RulesetName = keyof typeof RULESETS;

/** Options `--strict` sets: a generated capture has no NIC offload and no capture loss. */
const STRICT: Record<RulesetName, JsonObject> = {
  ipv4: { offloadedChecksums: 'reject' },
  tcp: { offloadedChecksums: 'reject' },
  udp: { offloadedChecksums: 'reject' },
  icmp: {},
  flow: { captureLoss: 'reject' },
};

function parseRules(text: string): RulesetName[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('--rules needs at least one ruleset');
  for (const n of names) if (!(n in RULESETS)) throw new InvalidArgumentError(`--rules: unknown ruleset "${n}" (known: ${RULESET_ORDER.join(', ')})`);
  return [...new Set(names)] as RulesetName[];
}

function parseOptions(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`--options is not JSON: ${text}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError('--options must be a JSON object keyed by ruleset name');
  return value as Record<string, unknown>;
}

function parsed<S extends z.ZodType>(name: RulesetName, schema: S, options: unknown): z.output<S> {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new InvalidArgumentError(`--options.${name}${issue?.path.length ? `.${issue.path.map(String).join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
}

/** The rulesets are synchronous and only read their options; the context is the plain minimum. */
function contextFor(name: RulesetName, seed: number, cwd: string): PluginContext {
  const s = deriveSeed(seed, `check:${name}`);
  return { seed: s, rng: createRng(s), progress: silentProgress, workDir: cwd, baseDir: cwd };
}

async function createRuleset(name: RulesetName, options: unknown, seed: number, cwd: string): Promise<Constraint> {
  const ctx = contextFor(name, seed, cwd);
  switch (name) {
    case 'ipv4':
      return ipv4Ruleset.create(parsed(name, ipv4Ruleset.options, options), ctx);
    case 'tcp':
      return tcpRuleset.create(parsed(name, tcpRuleset.options, options), ctx);
    case 'udp':
      return udpRuleset.create(parsed(name, udpRuleset.options, options), ctx);
    case 'icmp':
      return icmpRuleset.create(parsed(name, icmpRuleset.options, options), ctx);
    case 'flow':
      return flowRuleset.create(parsed(name, flowRuleset.options, options), ctx);
  }
}

interface Counts {
  total: number;
  byRuleset: Record<string, { total: number; byRule: Record<string, number> }>;
}

function counts(check: ChainCheck): Counts {
  const byRuleset: Counts['byRuleset'] = {};
  for (const [name, v] of Object.entries(check.byRuleset)) byRuleset[name] = { total: v.length, byRule: countByRule(v) };
  return { total: check.total, byRuleset };
}

function examples(check: ChainCheck, n: number): Violation[] {
  return Object.values(check.byRuleset).flatMap((v) => v.slice(0, n));
}

function table(title: string, c: Counts): string {
  const lines = [`${title}: ${c.total} violation(s)`];
  for (const [name, r] of Object.entries(c.byRuleset)) {
    lines.push(`  ${name.padEnd(5)} ${String(r.total).padStart(7)}`);
    for (const [rule, k] of Object.entries(r.byRule)) lines.push(`    ${rule.padEnd(24)} ${String(k).padStart(7)}`);
  }
  return `${lines.join('\n')}\n`;
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
      .action(async (captureArg: string, flags: CheckFlags) => {
        const { io } = env;
        const names = parseRules(flags.rules);
        const userOptions = parseOptions(flags.options);
        const rulesets = await Promise.all(names.map((n) => createRuleset(n, { ...(flags.strict ? STRICT[n] : {}), ...((userOptions[n] as object | undefined) ?? {}) }, flags.seed, io.cwd)));
        for (const path of flags.learn) {
          const real = await readCaptureAll(resolve(io.cwd, path));
          const flows = assembleFlows(real.packets, { idleTimeoutSeconds: 60, source: path });
          for (const r of rulesets) r.learn?.(flows);
        }
        const file = resolve(io.cwd, captureArg);
        const capture = await readCaptureAll(file);
        const before = checkAll(rulesets, capture.packets);
        const report: Record<string, unknown> = {
          file,
          packets: capture.packets.length,
          rules: names,
          strict: flags.strict ?? false,
          before: counts(before),
          examples: examples(before, flags.examples),
        };
        let text = table('before', counts(before));
        if (flags.repair !== undefined) {
          const out = resolve(io.cwd, flags.repair);
          const result = repairAll(rulesets, capture.packets, createRng(flags.seed), { unrepairable: flags.unrepairable });
          const byRule: Record<string, number> = {};
          for (const c of result.changes) byRule[c.rule] = (byRule[c.rule] ?? 0) + 1;
          const linkType = capture.linkTypes[0] ?? capture.packets[0]?.linkType ?? 1;
          await writePcap(out, result.packets, { linkType, force: flags.force ?? false });
          report['after'] = counts(result.remaining);
          report['repair'] = {
            out,
            packets: result.packets.length,
            rounds: result.rounds,
            changes: result.changes.length,
            changesByRule: byRule,
            unrepairable: { policy: result.policy, count: result.unrepairable.length, packets: result.unrepairable },
          };
          text += table('after', counts(result.remaining));
          text += unrepairableText(result.unrepairable, result.policy, Math.max(flags.examples, 1));
          text += `repaired capture: ${out} (${result.packets.length} packet(s), ${result.changes.length} field change(s), ${result.rounds} round(s))\n`;
        }
        io.stdout.write(flags.json ? `${toJson(report)}\n` : text);
      });
  },
};
