import { Command } from 'commander';
import type { Schema } from '../client/netorch-client';
import { NODE_ROLES } from '../domain/node-role';
import { NODE_STATES } from '../domain/node-state';
import { CliContext, loose } from './cli-context';
import { choiceOption, optionParsers as parse } from './option-parsers';
import { outputFormatter as out, type Column } from './output.formatter';

const COLUMNS: Column<Schema<'NodeResponse'>>[] = [
  ['ID', (n) => n.id],
  ['NODE', (n) => n.node_id],
  ['ROLE', (n) => n.role],
  ['STATE', (n) => n.state],
  ['HOSTNAME', (n) => n.hostname],
  ['IP', (n) => n.ip_address],
  ['CHANGED', (n) => n.state_changed_at],
];

interface LsOptions {
  state?: Schema<'NodeResponse'>['state'];
  role?: Schema<'NodeResponse'>['role'];
  limit?: number;
  skip?: number;
}

/** `netorch nodes ls` */
export function nodesCommand(): Command {
  const nodes = new Command('nodes').description("List a deployment's nodes");
  nodes
    .command('ls')
    .description("List a deployment's nodes in node order")
    .argument('<deployment-id>', 'deployment id', parse.id)
    .addOption(choiceOption('--state <state>', 'only nodes in this state', NODE_STATES))
    .addOption(choiceOption('--role <role>', 'only nodes of this role', NODE_ROLES))
    .option('--limit <n>', 'at most this many (1-10000; default every node)', parse.positive)
    .option('--skip <n>', 'how many to skip', parse.count)
    .action(async (id: number, o: LsOptions, command: Command) => {
      const ctx = CliContext.of(command);
      const list = await ctx.call(
        ctx.client.GET('/deployments/{id}/nodes', {
          params: {
            path: { id },
            query: { state: o.state, role: o.role, limit: o.limit, skip: loose(o.skip) },
          },
        }),
      );
      ctx.print(out.rows(ctx.output, list.nodes, COLUMNS, list));
    });
  return nodes;
}
