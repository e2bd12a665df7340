import { Command, Option } from 'commander';
import type { Schema } from '../client/netorch-client';
import { CliContext, loose } from './cli-context';
import { optionParsers as parse } from './option-parsers';
import { outputFormatter as out, type Column } from './output.formatter';

type Detail = Schema<'DeploymentDetailResponse'>;

const COLUMNS: Column<Detail>[] = [
  ['ID', (d) => d.id],
  ['NAME', (d) => d.name],
  ['STATUS', (d) => d.status],
  ['NODES', (d) => d.current_node_count],
  ['RUNNING', (d) => d.state_counts.RUNNING],
  ['FAILED', (d) => d.state_counts.FAILED],
  ['PROGRESS', (d) => `${d.progress_percent}%`],
  ['ROLLOUT', (d) => d.rollout?.status],
  ['CREATED', (d) => d.created_at],
];

function detailFields(d: Detail): [string, unknown][] {
  const r = d.rollout;
  return [
    ['id', d.id],
    ['name', d.name],
    ['description', d.description],
    ['status', d.status],
    ['progress', `${d.progress_percent}%`],
    ['nodes', d.current_node_count],
    ...Object.entries(d.state_counts).map(([state, n]): [string, unknown] => [state, n]),
    ['max_parallel', d.max_parallel],
    ['rollout', r ? `${r.status}, wave ${r.wave + 1} of ${r.waves_total}` : null],
    ...(r
      ? ([
          ['admitted', r.admitted],
          ['failed_percent', r.failed_percent],
          ['halted_reason', r.halted_reason],
        ] as [string, unknown][])
      : []),
    ['created_at', d.created_at],
    ['started_at', d.started_at],
    ['finished_at', d.finished_at],
  ];
}

interface CreateOptions {
  name: string;
  nodes?: number;
  description?: string;
  maxParallel?: number;
  canary?: number;
  waveSize?: number;
  wavePercent?: number;
  maxFailurePercent?: number;
  wavePauseSeconds?: number;
  idempotencyKey?: string;
}

function strategyOf(o: CreateOptions): Schema<'RolloutStrategyDto'> | undefined {
  const strategy = {
    canary: o.canary,
    wave_size: o.waveSize,
    wave_percent: o.wavePercent,
    max_failure_percent: o.maxFailurePercent,
    wave_pause_seconds: o.wavePauseSeconds,
  };
  const given = Object.entries(strategy).filter(([, v]) => v !== undefined);
  return given.length ? Object.fromEntries(given) : undefined;
}

/** `netorch deployments ls|get|create|delete` */
export function deploymentsCommand(): Command {
  const deployments = new Command('deployments').description(
    'List, show, create and delete deployments',
  );

  deployments
    .command('ls')
    .description('List deployments, newest first')
    .option('--limit <n>', 'how many (1-1000)', parse.positive, 100)
    .option('--skip <n>', 'how many to skip', parse.count, 0)
    .action(async (o: { limit: number; skip: number }, command: Command) => {
      const ctx = CliContext.of(command);
      const rows = await ctx.call(
        ctx.client.GET('/deployments', {
          params: { query: { limit: loose(o.limit), skip: loose(o.skip) } },
        }),
      );
      ctx.print(out.rows(ctx.output, rows, COLUMNS));
    });

  deployments
    .command('get')
    .description('Show a deployment with its node counts and rollout')
    .argument('<id>', 'deployment id', parse.id)
    .action(async (id: number, _o: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const d = await ctx.call(ctx.client.GET('/deployments/{id}', { params: { path: { id } } }));
      ctx.print(out.record(ctx.output, detailFields(d), d));
    });

  deployments
    .command('create')
    .description('Create a deployment; the workers then roll its nodes out')
    .requiredOption('--name <name>', 'name of the fabric')
    .option('--nodes <n>', 'how many switches (target_node_count)', parse.positive)
    .option('--description <text>', 'free text')
    .option('--max-parallel <n>', 'nodes PROVISIONING or CONFIGURING at once', parse.positive)
    .option('--canary <n>', 'strategy: nodes of the first wave', parse.count)
    .addOption(
      new Option('--wave-size <n>', 'strategy: nodes per wave')
        .argParser(parse.positive)
        .conflicts('wavePercent'),
    )
    .option('--wave-percent <n>', 'strategy: nodes per wave, percent of the nodes', parse.number)
    .option(
      '--max-failure-percent <n>',
      'strategy: halt when the failed share exceeds this',
      parse.number,
    )
    .option('--wave-pause-seconds <n>', 'strategy: seconds between waves', parse.count)
    .option('--idempotency-key <key>', 'a retry with the same key and body creates nothing new')
    .action(async (o: CreateOptions, command: Command) => {
      const ctx = CliContext.of(command);
      const created = await ctx.call(
        ctx.client.POST('/deployments', {
          body: {
            name: o.name,
            target_node_count: o.nodes,
            description: loose(o.description),
            max_parallel: loose(o.maxParallel),
            strategy: strategyOf(o),
          },
          params: { header: o.idempotencyKey ? { 'Idempotency-Key': o.idempotencyKey } : {} },
        }),
      );
      ctx.print(
        out.record(
          ctx.output,
          [
            ['id', created.id],
            ['name', created.name],
            ['target_node_count', created.target_node_count],
          ],
          created,
        ),
      );
    });

  deployments
    .command('delete')
    .description('Delete a deployment and its nodes')
    .argument('<id>', 'deployment id', parse.id)
    .action(async (id: number, _o: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      await ctx.call(ctx.client.DELETE('/deployments/{id}', { params: { path: { id } } }));
      ctx.print(out.record(ctx.output, [['deleted', id]], { deleted: id }));
    });

  return deployments;
}
