import { Command, Option } from 'commander';
import type { Schema } from '../client/netorch-client';
import { CliContext, loose } from './cli-context';
import { optionParsers as parse } from './option-parsers';
import { outputFormatter as out, type Column } from './output.formatter';

const COLUMNS: Column<Schema<'BottleneckResponse'>>[] = [
  ['NODE', (b) => b.node_identifier],
  ['ID', (b) => b.node_id],
  ['ROLE', (b) => b.role],
  ['SCORE', (b) => b.deviation_score],
  ['LATENCY_MS', (b) => b.latency_ms],
  ['THROUGHPUT_GBPS', (b) => b.throughput_gbps],
  ['ERROR_RATE', (b) => b.error_rate],
  ['SAMPLES', (b) => b.samples],
  ['CAUSED_BY', (b) => (b.likely_caused_by.length ? b.likely_caused_by.join(',') : null)],
];

interface Options {
  window?: number;
  threshold?: number;
  method?: 'zscore' | 'mad';
  minSamples?: number;
  peerGroup?: 'role' | 'deployment';
}

/** `netorch bottlenecks ID` */
export function bottlenecksCommand(): Command {
  return new Command('bottlenecks')
    .description('Find the nodes that hold a deployment back, worst first')
    .argument('<deployment-id>', 'deployment id', parse.id)
    .option('--window <minutes>', 'look back this many minutes (1-60, default 10)', parse.positive)
    .option('--threshold <z>', 'z-score that flags a node (0.5-10, default 2)', parse.number)
    .addOption(
      new Option('--method <method>', 'detector (default zscore)').choices(['zscore', 'mad']),
    )
    .option('--min-samples <n>', 'leave out nodes with fewer samples', parse.positive)
    .addOption(
      new Option('--peer-group <group>', 'compare within (default role)').choices([
        'role',
        'deployment',
      ]),
    )
    .action(async (id: number, o: Options, command: Command) => {
      const ctx = CliContext.of(command);
      const result = await ctx.call(
        ctx.client.GET('/deployments/{id}/bottlenecks', {
          params: {
            path: { id },
            query: {
              analysis_window_minutes: loose(o.window),
              threshold: loose(o.threshold),
              method: o.method,
              min_samples: loose(o.minSamples),
              peer_group: o.peerGroup,
            },
          },
        }),
      );
      if (ctx.output === 'json') return ctx.print(out.rows('json', [], [], result));
      ctx.print(
        `${result.total_bottlenecks} bottleneck(s) among ${result.nodes_analyzed} node(s), ` +
          `${result.samples_analyzed} sample(s) from ${result.window_start} to ${result.window_end}`,
      );
      if (result.bottlenecks.length) ctx.print(out.rows('table', result.bottlenecks, COLUMNS));
    });
}
