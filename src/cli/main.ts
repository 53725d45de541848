/** The `smscd` command line (commander): one file per command group. */
import { Command, CommanderError } from 'commander';
import { ConfigError, NotFoundError, UsageError } from '../errors.js';
import { accountCommands } from './account.js';
import { deliveriesCommands } from './deliveries.js';
import { forwardingCommands } from './forwarding.js';
import { loadtestCommand } from './loadtest.js';
import { messagesCommands } from './messages.js';
import { ruleCommands } from './rule.js';
import { targetCommands } from './target.js';
import { serveCommand } from './serve.js';

/** Builds the program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('smscd')
    .description('An SMSC for SMPP clients, with durable delivery receipts and forwarding')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  serveCommand(program);
  accountCommands(program);
  messagesCommands(program);
  targetCommands(program);
  ruleCommands(program);
  forwardingCommands(program);
  deliveriesCommands(program);
  loadtestCommand(program);
  return program;
}

/** Runs the CLI; sets the exit code instead of throwing. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed the message (or the help text). A usage mistake exits 2,
      // like our own UsageError; help and version exit 0.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`smscd: ${err.message}`);
      process.exitCode = 2;
    } else if (err instanceof NotFoundError) {
      console.error(`smscd: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(`smscd: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = 1;
    }
  }
}
