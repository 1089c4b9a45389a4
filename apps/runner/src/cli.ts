#!/usr/bin/env node
import { main } from './main.js';
import type { CliCommand } from './command.js';
import { checkCommand } from './commands/check.js';
import { compareCommand } from './commands/compare.js';
import { decodeCommand } from './commands/decode.js';
import { encodeCommand } from './commands/encode.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { initCommand } from './commands/init.js';
import { mergeCommand } from './commands/merge.js';
import { inspectCommand } from './commands/inspect.js';
import { pluginsCommand } from './commands/plugins.js';
import { privacyCommand } from './commands/privacy.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';

/** Every `netsynth` subcommand. To add one: write src/commands/NAME.ts exporting a CliCommand, and list it here. */
const COMMANDS: CliCommand[] = [
  runCommand,
  inspectCommand,
  pluginsCommand,
  initCommand,
  evalCommand,
  encodeCommand,
  decodeCommand,
  checkCommand,
  exportCommand,
  mergeCommand,
  privacyCommand,
  schemaCommand,
  compareCommand,
];

// Ctrl-C: the first stops long work at the next item (finished outputs are kept, the run
// can resume); a second one quits at once. Work that does not check the signal within
// SIGINT_GRACE_MS (one long synchronous step, a stuck file system) is ended then: every
// output is written through a temp file and renamed, so quitting leaves no partial output
// under a final name, and the next run removes the temp files.
const SIGINT_GRACE_MS = 900;
const controller = new AbortController();
const onSigint = (): void => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('\nstopping after the current step (Ctrl-C again to quit now)…\n');
  controller.abort();
  setTimeout(() => {
    process.stderr.write('error [INTERRUPTED] interrupted\n');
    process.exit(130);
  }, SIGINT_GRACE_MS).unref();
};
process.on('SIGINT', onSigint);
const code = await main(process.argv.slice(2), COMMANDS, { signal: controller.signal });
process.off('SIGINT', onSigint);
process.exitCode = code;
