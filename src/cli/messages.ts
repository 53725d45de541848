/** `smscd messages list|show`: what was sent, and the status timeline of one message. */
import type { Command } from 'commander';
import { NotFoundError, UsageError } from '../errors.js';
import type { StoredMessage } from '../store/messages.js';
import type { Store } from '../store/store.js';
import { integer, print, printTable, withCommonOptions, withStore, type CommonOptions } from './common.js';

interface ListOptions extends CommonOptions {
  account?: string;
  status?: string;
  channel?: string;
  limit: number;
  before?: string;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The printable summary of a message (no raw bytes). */
function summary(m: StoredMessage, systemIdOf: (accountId: number) => string) {
  return {
    id: m.id,
    account: systemIdOf(m.accountId),
    channel: m.channel,
    type: m.messageType,
    from: m.sourceAddr,
    to: m.destAddr,
    status: m.status,
    errorCode: m.errorCode,
    registeredDelivery: m.registeredDelivery,
    dataCoding: m.dataCoding,
    part: m.partCount ? `${m.partNumber ?? '-'}/${m.partCount}` : null,
    text: m.text,
    submittedAt: iso(m.submittedAt),
    doneAt: iso(m.doneAt),
  };
}

function accountNames(store: Store): (accountId: number) => string {
  const names = new Map(store.accounts.list().map((a) => [a.id, a.systemId]));
  return (id) => names.get(id) ?? `#${id}`;
}

/** Registers the `messages` command group. */
export function messagesCommands(program: Command): void {
  const messages = program.command('messages').description('inspect stored messages and their status timelines');

  withCommonOptions(messages.command('list').description('list messages, newest first'))
    .option('--account <systemId>', 'only this account')
    .option('--status <status>', 'only messages in this status (delivered, undelivered, enroute, …)')
    .option('--channel <channel>', 'only this channel (smpp, api, email, console)')
    .option('--limit <n>', 'at most this many', integer('--limit', 1, 10_000), 50)
    .option('--before <id>', 'only messages older than this id (paging)')
    .option('--json', 'print as JSON')
    .action((options: ListOptions) => {
      if (options.channel && !['smpp', 'api', 'email', 'console'].includes(options.channel)) {
        throw new UsageError(`--channel must be one of smpp, api, email, console.`);
      }
      if (options.before !== undefined && !/^\d+$/.test(options.before)) throw new UsageError('--before must be a message id.');
      const rows = withStore(options, (store) => {
        let accountId: number | undefined;
        if (options.account) {
          const account = store.accounts.bySystemId(options.account);
          if (!account) throw new NotFoundError(`no account ${options.account}.`);
          accountId = account.id;
        }
        const names = accountNames(store);
        return store.messages
          .list({
            accountId,
            status: options.status,
            channel: options.channel as StoredMessage['channel'] | undefined,
            beforeId: options.before,
            limit: options.limit,
          })
          .map((m) => summary(m, names));
      });
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows, ['id', 'account', 'channel', 'from', 'to', 'status', 'submittedAt', 'doneAt']);
    });

  withCommonOptions(messages.command('show <id>').description('show one message with its status timeline and receipts'))
    .option('--json', 'print as JSON')
    .action((id: string, options: CommonOptions) => {
      const shown = withStore(options, (store) => {
        const message = store.messages.byId(id);
        if (!message) throw new NotFoundError(`no message ${id}.`);
        return {
          message: summary(message, accountNames(store)),
          timeline: [
            { status: 'submitted', at: iso(message.submittedAt), errorCode: 0, origin: message.channel },
            ...store.events.forMessage(id).map((e) => ({ status: e.status, at: iso(e.occurredAt), errorCode: e.errorCode, origin: e.origin })),
          ],
          receipts: store.receipts.forMessage(id).map((r) => ({ id: r.id, eventId: r.eventId, state: r.state, attempts: r.attempts, doneAt: iso(r.doneAt) })),
        };
      });
      if (options.json) {
        console.log(JSON.stringify(shown, null, 2));
        return;
      }
      print(shown.message, false);
      console.log('\nTimeline');
      printTable(shown.timeline, ['at', 'status', 'errorCode', 'origin']);
      if (shown.receipts.length > 0) {
        console.log('\nSMPP receipts');
        printTable(shown.receipts, ['id', 'eventId', 'state', 'attempts', 'doneAt']);
      }
    });
}
