import { Command } from 'commander';
import type { Schema } from '../client/netorch-client';
import { CliContext, loose } from './cli-context';
import { choiceOption, optionParsers as parse } from './option-parsers';
import { outputFormatter as out, type Column } from './output.formatter';

const COLUMNS: Column<Schema<'AlertResponse'>>[] = [
  ['ID', (a) => a.id],
  ['STATE', (a) => (a.silenced ? `${a.state} (silenced)` : a.state)],
  ['RULE', (a) => a.rule_name],
  ['DEPLOYMENT', (a) => a.deployment_id],
  ['NODE', (a) => a.node_identifier],
  ['SCORE', (a) => a.deviation_score],
  ['SINCE', (a) => a.active_since],
];

/** `netorch alerts ls` */
export function alertsCommand(): Command {
  const alerts = new Command('alerts').description('Alerts of every deployment');
  alerts
    .command('ls')
    .description('List alerts, newest first')
    .addOption(
      choiceOption('--state <state>', 'only alerts in this state', [
        'pending',
        'firing',
        'resolved',
      ]),
    )
    .option('--deployment <id>', 'only alerts of this deployment', parse.id)
    .option('--limit <n>', 'how many (1-1000)', parse.positive, 100)
    .action(
      async (
        o: { state?: 'pending' | 'firing' | 'resolved'; deployment?: number; limit: number },
        command: Command,
      ) => {
        const ctx = CliContext.of(command);
        const rows = await ctx.call(
          ctx.client.GET('/alerts', {
            params: {
              query: { state: o.state, deployment_id: o.deployment, limit: loose(o.limit) },
            },
          }),
        );
        ctx.print(out.rows(ctx.output, rows, COLUMNS));
      },
    );
  return alerts;
}
