import { isNetsynthError, type NetsynthError, type NetsynthErrorCode } from '@netsynth/core';

/** Exit status of the CLI: 0 ok, 1 runtime error, 2 usage or config error, 130 interrupted (Ctrl-C). */
export const ExitCode = { OK: 0, RUNTIME: 1, USAGE: 2, INTERRUPTED: 130 } as const;

const USAGE_CODES: ReadonlySet<NetsynthErrorCode> = new Set(['CONFIG', 'PLUGIN_LOAD', 'PLUGIN_OPTIONS', 'OUTPUT_EXISTS', 'INVALID_ARGUMENT']);

export function exitCodeOf(error: unknown): number {
  if (!isNetsynthError(error)) return ExitCode.RUNTIME;
  if (error.code === 'INTERRUPTED') return ExitCode.INTERRUPTED;
  return USAGE_CODES.has(error.code) ? ExitCode.USAGE : ExitCode.RUNTIME;
}

/**
 * What a user can do about each kind of failure. `command` is the subcommand that failed:
 * only `run` keeps finished stages and resumes, so only it gets the resume hint on Ctrl-C.
 */
function hintFor(error: NetsynthError, command: string | undefined): string {
  switch (error.code) {
    case 'CONFIG':
      return 'fix that key in the config file; `netsynth run --help` and the runner README list every key, its type and default';
    case 'PLUGIN_OPTIONS':
      return 'fix the plugin option; `netsynth plugins` lists each plugin with its options and their types';
    case 'PLUGIN_LOAD':
      return 'a plugin is a package name installed next to the config (npm i NAME in that folder) or a path starting with ./ or / relative to the config file; `netsynth plugins` lists what loads';
    case 'OUTPUT_EXISTS':
      return 'pass --force to overwrite it, or choose another output folder with --out';
    case 'PCAP_FORMAT':
    case 'PCAP_TRUNCATED':
      return 'check that the file is a complete pcap or pcapng capture; `netsynth inspect FILE` shows what can be read from it';
    case 'LINK_TYPE':
      return 'netsynth reads Ethernet, raw IP, Linux cooked (SLL/SLL2) and loopback captures; convert others with editcap or tshark';
    case 'MODEL_FILE':
      return 'the model folder is damaged or from another version; re-run with --force to train it again';
    case 'INTERRUPTED':
      return command === 'run'
        ? 'finished stages are kept: run the same command again to resume where it stopped'
        : 'no output is left half-written; run the same command again to start it over';
    case 'INVALID_ARGUMENT':
      return 'check the command-line arguments (`netsynth help COMMAND`)';
    case 'ENCODING':
      return 'the encoder could not handle this data; check the encoder options (`netsynth plugins`)';
    case 'ENGINE':
      return 'the model engine failed; run again with NETSYNTH_DEBUG=1 for details';
    case 'DISSECT':
      return 'the packet could not be dissected; `netsynth inspect FILE --packets` shows it';
    case 'IO':
      return 'free space or fix the permissions of that path (or choose another folder with --out), then run the same command again';
    case 'RECORD_FORMAT':
      return 'fix that row of the record file, or map the columns of your export with input.recordColumns (field → column name)';
  }
}

/**
 * The text printed for an error: `error [CODE] message`, then the file / offset / config
 * key it concerns, then a hint of what to do (`command`: the subcommand that failed).
 * Unexpected errors (bugs) show their stack when NETSYNTH_DEBUG is set.
 */
export function formatError(error: unknown, debug = false, command?: string): string {
  if (isNetsynthError(error)) {
    const lines = [`error [${error.code}] ${error.message}`];
    if (error.file !== undefined) lines.push(`  file: ${error.file}`);
    if (error.offset !== undefined) lines.push(`  byte offset: ${error.offset}`);
    if (error.configPath !== undefined) lines.push(`  config key: ${error.configPath}`);
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined) lines.push(`  cause: ${cause instanceof Error ? cause.message : String(cause)}`);
    lines.push(`  hint: ${hintFor(error, command)}`);
    if (debug && error.stack) lines.push(error.stack);
    return lines.join('\n') + '\n';
  }
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`error [INTERNAL] ${message}`];
  lines.push(
    debug && error instanceof Error && error.stack
      ? error.stack
      : '  hint: this is a bug in netsynth or a plugin; run again with NETSYNTH_DEBUG=1 to see the stack and report it',
  );
  return lines.join('\n') + '\n';
}
