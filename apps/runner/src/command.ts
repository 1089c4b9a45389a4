import type { Command } from 'commander';
import type { CliIo } from './io.js';

/** What every subcommand gets from the CLI. */
export interface CommandEnv {
  io: CliIo;
  /** Aborted on Ctrl-C: long work stops at the next item, keeping finished outputs. */
  signal: AbortSignal;
  /** Exit status when the command ends normally (default 0). */
  setExitCode(code: number): void;
}

/**
 * One `netsynth` subcommand: a file under src/commands/ that exports one of these, listed
 * in src/cli.ts. `register` adds the command (arguments, options, action) to the program.
 */
export interface CliCommand {
  name: string;
  register(program: Command, env: CommandEnv): void;
}
