import type { CliCommand } from '../command.js';
import { formatInspectReport, inspectCapture } from '../inspect.js';
import { toJson } from '../json.js';
import { createProgressReporter } from '../progress.js';
import { parsePositiveNumber } from './options.js';

interface InspectFlags {
  json?: boolean;
  packets?: boolean;
  idleTimeout?: number;
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  register(program, env) {
    program
      .command('inspect')
      .description('summarise a capture: packets, bytes, link types, protocol counts, flows, warnings')
      .argument('<file>', 'pcap or pcapng file')
      .option('--json', 'print the summary as JSON on stdout')
      .option('--packets', 'add one record per packet (addresses, protocol, ports, lengths, TCP flags, raw seq/ack)')
      .option('--idle-timeout <seconds>', 'flow idle timeout for the flow count', parsePositiveNumber, 60)
      .action(async (file: string, flags: InspectFlags) => {
        const { io, signal } = env;
        const { resolve } = await import('node:path');
        const report = await inspectCapture(resolve(io.cwd, file), {
          packets: flags.packets ?? false,
          ...(flags.idleTimeout !== undefined && { idleTimeoutSeconds: flags.idleTimeout }),
          progress: createProgressReporter(io.stderr),
          signal,
        });
        io.stdout.write(flags.json ? `${toJson(report, flags.packets ? 0 : 2)}\n` : formatInspectReport(report));
      });
  },
};
