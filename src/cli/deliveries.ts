/** `smscd deliveries list|retry`: the forwarding outbox and its attempts. */
import type { Command } from 'commander';
import { NotFoundError, UsageError } from '../errors.js';
import { integer, parseId, printTable, withCommonOptions, withStore, type CommonOptions } from './common.js';

interface ListOptions extends CommonOptions {
  state?: string;
  target?: string;
  message?: string;
  limit: number;
}

interface RetryOptions extends CommonOptions {
  failed?: boolean;
  target?: string;
  since?: string;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function parseSince(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--since "${value}" is not a date (use ISO 8601, e.g. 2026-11-25T10:00:00Z).`);
  return ms;
}

/** Registers the `deliveries` command group. */
export function deliveriesCommands(program: Command): void {
  const deliveries = program.command('deliveries').description('forwarded events: pending, delivered, failed');

  withCommonOptions(deliveries.command('list').description('list deliveries, newest first'))
    .option('--state <state>', 'pending, delivered or failed')
    .option('--target <name>', 'only this target')
    .option('--message <id>', 'only events of this message')
    .option('--limit <n>', 'at most this many', integer('--limit', 1, 10_000), 50)
    .option('--json', 'print as JSON (with each delivery\'s attempts)')
    .action((options: ListOptions) => {
      if (options.state && !['pending', 'delivered', 'failed'].includes(options.state)) throw new UsageError('--state must be pending, delivered or failed.');
      const rows = withStore(options, (store) => {
        let targetId: number | undefined;
        if (options.target) {
          const t = store.targets.byName(options.target);
          if (!t) throw new NotFoundError(`no target ${options.target}.`);
          targetId = t.id;
        }
        return store.outbox
          .list({ state: options.state as 'pending' | 'delivered' | 'failed' | undefined, targetId, messageId: options.message, limit: options.limit })
          .map((r) => ({
            id: r.id,
            messageId: r.messageId,
            eventId: r.eventId,
            target: r.targetName,
            format: r.format,
            state: r.state,
            attempts: r.attempts,
            lastCode: r.lastCode,
            lastError: r.lastError,
            nextAttemptAt: r.state === 'pending' ? iso(r.nextAttemptAt) : null,
            createdAt: iso(r.createdAt),
            doneAt: iso(r.doneAt),
            ...(options.json ? { history: store.outbox.attempts(r.id).map((a) => ({ ...a, at: iso(a.at) })) } : {}),
          }));
      });
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows, ['id', 'messageId', 'target', 'state', 'attempts', 'lastCode', 'nextAttemptAt', 'doneAt']);
    });

  withCommonOptions(deliveries.command('retry [id]').description('try failed deliveries again: one by id, or --failed [--target] [--since]'))
    .option('--failed', 'all failed deliveries (narrow with --target and --since)')
    .option('--target <name>', 'only this target')
    .option('--since <date>', 'only events created at or after this time')
    .action((id: string | undefined, options: RetryOptions) => {
      if ((id === undefined) === !options.failed) throw new UsageError('give a delivery id, or --failed.');
      if (id !== undefined && (options.target || options.since)) throw new UsageError('--target and --since go with --failed.');
      const n = withStore(options, (store) => {
        let targetId: number | undefined;
        if (options.target) {
          const t = store.targets.byName(options.target);
          if (!t) throw new NotFoundError(`no target ${options.target}.`);
          targetId = t.id;
        }
        return store.outbox.retryFailed(
          { id: id === undefined ? undefined : parseId('delivery id', id), targetId, since: options.since ? parseSince(options.since) : undefined },
          Date.now(),
        );
      });
      if (id !== undefined && n === 0) throw new NotFoundError(`no failed delivery ${id}.`);
      console.log(`${n} deliver${n === 1 ? 'y' : 'ies'} queued again`);
    });
}
