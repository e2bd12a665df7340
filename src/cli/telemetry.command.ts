import { readFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import { CliContext } from './cli-context';
import { CliError, EXIT } from './cli-error';
import { optionParsers as parse } from './option-parsers';
import { MAX_BATCH, sampleBatches, type Batch } from './sample-batches';
import { TelemetryFileError, telemetryFileParser, type Sample } from './telemetry-file.parser';

interface PushOptions {
  deployment: number;
  format?: string;
  from: number;
  batchSize: number;
}

function load(file: string, explicitFormat: string | undefined): Sample[] {
  try {
    const format = telemetryFileParser.formatOf(file, explicitFormat);
    return telemetryFileParser.parse(readFileSync(file, 'utf8'), format);
  } catch (error) {
    if (error instanceof TelemetryFileError)
      throw new CliError(`${file}: ${error.message}`, EXIT.usage);
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${file}: ${code ?? (error as Error).message}`, EXIT.usage);
  }
}

/** The API names a bad sample by its index in the batch (samples[4]); add its number in the file. */
function inFile(message: string, batch: Batch): string {
  const index = /samples\[(\d+)\]/.exec(message)?.[1];
  return index === undefined
    ? message
    : `${message} (sample ${batch.first + Number(index)} of the file)`;
}

/** `netorch telemetry push FILE` */
export function telemetryCommand(): Command {
  const telemetry = new Command('telemetry').description('Send telemetry samples');
  telemetry
    .command('push')
    .description(
      `Push a CSV or JSON file of samples in batches of up to ${MAX_BATCH.toLocaleString('en')}; ` +
        'after a failure it prints the --from that resumes where it stopped',
    )
    .argument(
      '<file>',
      'CSV with a header (node_id,timestamp,latency_ms,throughput_gbps,error_rate) or JSON',
    )
    .requiredOption('-d, --deployment <id>', 'deployment the samples belong to', parse.id)
    .addOption(
      new Option('--format <format>', 'file format (default: from the file name)').choices([
        'csv',
        'json',
      ]),
    )
    .option(
      '--from <n>',
      'first sample to send (1-based); the samples before it are skipped',
      parse.positive,
      1,
    )
    .option('--batch-size <n>', `samples per request (1-${MAX_BATCH})`, parse.positive, MAX_BATCH)
    .action(async (file: string, o: PushOptions, command: Command) => {
      const ctx = CliContext.of(command);
      const samples = load(file, o.format);
      let batches: Batch[];
      try {
        batches = sampleBatches(samples.length, o.batchSize, o.from);
      } catch (error) {
        throw new CliError((error as Error).message, EXIT.usage);
      }
      const bar = new SingleBar(
        {
          format: '{bar} {value}/{total} samples | batch {batch} of {batches}',
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 5000,
        },
        Presets.shades_classic,
      );
      bar.start(samples.length, o.from - 1, { batch: 0, batches: batches.length });
      let accepted = 0;
      for (const [n, batch] of batches.entries()) {
        try {
          const result = await ctx.call(
            ctx.client.POST('/deployments/{id}/telemetry', {
              params: { path: { id: o.deployment } },
              body: { samples: samples.slice(batch.first - 1, batch.last) },
            }),
          );
          accepted += result.accepted;
        } catch (error) {
          bar.stop();
          const stored =
            batch.first > o.from
              ? `samples ${o.from}-${batch.first - 1} are stored`
              : 'nothing was stored';
          throw new CliError(
            `${inFile((error as Error).message, batch)}\n` +
              `${stored}; resume with: netorch telemetry push ${file} -d ${o.deployment} --from ${batch.first}`,
          );
        }
        bar.update(batch.last, { batch: n + 1, batches: batches.length });
      }
      bar.stop();
      const summary = {
        deployment_id: o.deployment,
        accepted,
        first: o.from,
        last: samples.length,
      };
      ctx.print(
        ctx.output === 'json'
          ? JSON.stringify(summary, null, 2)
          : `pushed ${accepted} samples (${o.from}-${samples.length}) to deployment ${o.deployment}`,
      );
    });
  return telemetry;
}
