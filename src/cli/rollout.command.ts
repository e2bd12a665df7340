import { Command } from 'commander';
import { CliContext } from './cli-context';
import { EXIT } from './cli-error';
import { optionParsers as parse } from './option-parsers';
import { outputFormatter as out } from './output.formatter';
import { RolloutWatcher } from './rollout-watcher';

const ACTIONS = {
  pause: 'Pause the rollout: admissions stop, nodes already rolling out finish',
  resume: 'Resume a paused or halted rollout',
  abort: 'Abort the rollout: nodes not yet admitted stay PENDING',
} as const;

const PATHS = {
  pause: '/deployments/{id}/rollout/pause',
  resume: '/deployments/{id}/rollout/resume',
  abort: '/deployments/{id}/rollout/abort',
} as const;

/** `netorch rollout pause|resume|abort|watch` */
export function rolloutCommand(): Command {
  const rollout = new Command('rollout').description("Control and follow a deployment's rollout");

  for (const action of Object.keys(ACTIONS) as (keyof typeof ACTIONS)[]) {
    rollout
      .command(action)
      .description(ACTIONS[action])
      .argument('<deployment-id>', 'deployment id', parse.id)
      .action(async (id: number, _o: unknown, command: Command) => {
        const ctx = CliContext.of(command);
        const r = await ctx.call(ctx.client.POST(PATHS[action], { params: { path: { id } } }));
        ctx.print(
          out.record(
            ctx.output,
            [
              ['status', r.status],
              ['wave', `${r.wave + 1} of ${r.waves_total}`],
              ['admitted', r.admitted],
              ['failed_percent', r.failed_percent],
            ],
            r,
          ),
        );
      });
  }

  rollout
    .command('watch')
    .description(
      'Follow the rollout with a progress bar until it ends: exit 0 when it completes, ' +
        '1 when it halts, is aborted or nodes fail (without a strategy), or the deployment is deleted',
    )
    .argument('<deployment-id>', 'deployment id', parse.id)
    .action(async (id: number, _o: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const { progress, detail } = await new RolloutWatcher(ctx, id).run();
      const json = { outcome: progress.outcome, deployment: detail };
      ctx.print(ctx.output === 'json' ? JSON.stringify(json, null, 2) : progress.summary);
      process.exitCode = progress.outcome === 'completed' ? EXIT.ok : EXIT.failed;
    });

  return rollout;
}
