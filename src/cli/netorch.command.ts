import { Command, Option } from 'commander';
import { alertsCommand } from './alerts.command';
import { bottlenecksCommand } from './bottlenecks.command';
import { deploymentsCommand } from './deployments.command';
import { nodesCommand } from './nodes.command';
import { rolloutCommand } from './rollout.command';
import { telemetryCommand } from './telemetry.command';

/** The `netorch` program: global options, then one command per area of the API. */
export function netorchCommand(version: string): Command {
  const program = new Command('netorch')
    .description('Operate netorch deployments from the command line')
    .version(version)
    .addOption(
      new Option('--url <url>', 'where the API listens')
        .env('NETORCH_URL')
        .default('http://localhost:8000'),
    )
    .addOption(
      // No default shown and never echoed: the key comes from the environment or this flag only.
      new Option('--api-key <key>', 'API key, sent as X-API-Key (prefer the environment)').env(
        'NETORCH_API_KEY',
      ),
    )
    .addOption(
      new Option('-o, --output <format>', 'table or json')
        .choices(['table', 'json'])
        .default('table'),
    )
    .showHelpAfterError('(add --help for usage)');
  for (const command of [
    deploymentsCommand(),
    nodesCommand(),
    rolloutCommand(),
    alertsCommand(),
    bottlenecksCommand(),
    telemetryCommand(),
  ]) {
    program.addCommand(command);
  }
  // Settings made on the program reach only the commands it creates itself: apply them all.
  const configure = (command: Command): void => {
    command.exitOverride().showHelpAfterError('(add --help for usage)');
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}
