import { Command, CommanderError } from 'commander';
import { asFileError } from '@netsynth/core';
import type { CliCommand, CommandEnv } from './command.js';
import { ExitCode, exitCodeOf, formatError } from './error-report.js';
import { processIo, quietStream, type CliIo } from './io.js';
import { runnerVersion } from './pipeline/manifest.js';

export interface MainOptions {
  io?: CliIo;
  signal?: AbortSignal;
}

/** The `netsynth` program with the given subcommands. */
export function createProgram(commands: readonly CliCommand[], env: CommandEnv): Command {
  const { io } = env;
  const program = new Command('netsynth')
    .description('netsynth: synthetic network traffic from pcap captures with diffusion models')
    .version(runnerVersion(), '-V, --version')
    .option('--quiet', 'no progress on stderr, with any command (warnings and errors still show)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: (s, write) => write(`error [USAGE] ${s.replace(/^error: /, '')}`),
    })
    .addHelpText(
      'after',
      '\nExit status: 0 ok, 1 runtime error, 2 usage or config error, 130 interrupted (Ctrl-C).\nProgress and warnings go to stderr; results to stdout (only JSON with --json).',
    );
  for (const c of commands) c.register(program, env);
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and returns the exit
 * status. Errors are printed as `error [CODE] message` with the file / offset / config key
 * and a hint; nothing is thrown.
 */
/** `--quiet` anywhere before a `--`: taken out of the arguments (every command accepts it). */
function takeQuiet(argv: readonly string[]): { args: string[]; quiet: boolean } {
  const end = argv.indexOf('--');
  const head = end < 0 ? [...argv] : argv.slice(0, end);
  const args = head.filter((a) => a !== '--quiet');
  return { args: [...args, ...(end < 0 ? [] : argv.slice(end))], quiet: args.length !== head.length };
}

/** A Node fs error that names its path (open, mkdir, rename…) is an IO error, not an internal one. */
function namedFsError(e: unknown): unknown {
  const path = typeof e === 'object' && e !== null ? (e as { path?: unknown }).path : undefined;
  return typeof path === 'string' ? asFileError(e, path, 'access') : e;
}

export async function main(argv: readonly string[], commands: readonly CliCommand[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  const { args, quiet } = takeQuiet(argv);
  let exitCode: number = ExitCode.OK;
  const env: CommandEnv = {
    io: quiet ? { ...io, stderr: quietStream(io.stderr) } : io,
    signal: options.signal ?? new AbortController().signal,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = createProgram(commands, env);
  // The subcommand that runs, for the error's hint (the resume hint is `run`'s alone).
  let command: string | undefined;
  program.hook('preAction', (_program, action) => {
    command = action.name();
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return ExitCode.OK;
      return ExitCode.USAGE;
    }
    const error = namedFsError(e);
    io.stderr.write(formatError(error, Boolean(io.env['NETSYNTH_DEBUG']), command));
    return exitCodeOf(error);
  }
}
