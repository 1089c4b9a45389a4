import { basename, extname, relative, resolve } from 'node:path';
import { InvalidArgumentError, writeOrAbort } from '@netsynth/core';
import { RecordCsvWriter, captureRecords, netshareSchema } from '@netsynth/records';
import type { CliCommand } from '../command.js';
import { createProgressReporter } from '../progress.js';
import { parsePositiveNumber } from './options.js';

interface ExportFlags {
  format: string;
  out: string;
  labelColumn?: string;
  idleTimeout: number;
  force?: boolean;
}

const FORMATS = ['netflow-csv'] as const;

/**
 * `netsynth export CAPTURE… --format netflow-csv`: the flows of captures as NetFlow-style
 * records in NetShare's schema (srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt), the
 * input a records run (`input.records`) reads.
 */
export const exportCommand: CliCommand = {
  name: 'export',
  register(program, env) {
    program
      .command('export')
      .description("turn captures into flow records: NetShare's NetFlow CSV (srcip,dstip,srcport,dstport,proto,ts,td,pkt,byt)")
      .argument('<captures...>', 'pcap or pcapng files')
      .requiredOption('--format <format>', `output format: ${FORMATS.join(', ')}`)
      .requiredOption('-o, --out <file>', 'CSV file to write')
      .option('--label-column <name>', "add a column of this name holding each capture's file name (without extension) as its label")
      .option('--idle-timeout <seconds>', 'a flow ends after this many seconds without a packet', parsePositiveNumber, 60)
      .option('-f, --force', 'overwrite an existing output file')
      .action(async (captures: string[], flags: ExportFlags) => {
        const { io, signal } = env;
        if (!(FORMATS as readonly string[]).includes(flags.format)) {
          throw new InvalidArgumentError(`--format ${flags.format}: the formats are ${FORMATS.join(', ')}`);
        }
        const progress = createProgressReporter(io.stderr);
        const out = resolve(io.cwd, flags.out);
        const schema = netshareSchema(flags.labelColumn !== undefined ? [flags.labelColumn] : []);
        const writer = await RecordCsvWriter.create(out, schema, { force: flags.force ?? false });
        const task = progress.start('export', captures.length, 'captures');
        let rows = 0;
        try {
          await writeOrAbort(writer, async () => {
            for (const capture of captures) {
              const file = resolve(io.cwd, capture);
              const records = await captureRecords(file, { idleTimeoutSeconds: flags.idleTimeout, signal, onWarning: (m) => progress.warn(m) });
              const label = basename(file, extname(file));
              for (const r of records) await writer.write(r, flags.labelColumn !== undefined ? { [flags.labelColumn]: label } : {});
              rows += records.length;
              task.tick(1, `${capture}: ${records.length} flows`);
            }
          });
        } finally {
          task.done();
        }
        io.stdout.write(`wrote ${relative(io.cwd, out) || out}: ${rows} records from ${captures.length} capture(s)\n`);
      });
  },
};
