#!/usr/bin/env node
import { CommanderError } from 'commander';
import { CliError, EXIT } from './cli-error';
import { netorchCommand } from './netorch.command';

// package.json sits two levels above dist/cli/ as above src/cli/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

netorchCommand(version)
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      // Commander printed the message (or the help) already.
      const shown = ['commander.helpDisplayed', 'commander.help', 'commander.version'];
      process.exitCode = shown.includes(error.code) ? EXIT.ok : EXIT.usage;
    } else if (error instanceof CliError) {
      process.stderr.write(`netorch: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(`netorch: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = EXIT.failed;
    }
  });
