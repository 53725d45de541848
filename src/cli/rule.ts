/** `smscd rule add|list|remove`: which events of an account go to which target (or nowhere). */
import type { Command } from 'commander';
import { NotFoundError, UsageError } from '../errors.js';
import { RULE_CHANNELS, type RuleChannel } from '../store/rules.js';
import { parseId, print, printTable, withCommonOptions, withStore, type CommonOptions } from './common.js';

interface RuleOptions extends CommonOptions {
  account?: string;
  channel?: string;
  messageType?: string;
  target?: string;
  none?: boolean;
  statuses?: string;
  format?: string;
}

const SMS_STATUSES = ['enroute', 'delivered', 'undelivered', 'expired', 'deleted', 'accepted', 'rejected', 'unknown'];
const WHATSAPP_STATUSES = ['accepted', 'sent', 'delivered', 'read', 'failed'];

/** Registers the `rule` command group. */
export function ruleCommands(program: Command): void {
  const rule = program.command('rule').description('forwarding rules per account, channel and message type');

  withCommonOptions(rule.command('add').description('add a rule: forward to a target, or --none for no forwarding'))
    .requiredOption('--account <systemId>', 'the account')
    .requiredOption('--channel <channel>', `the channel the message came in by: ${RULE_CHANNELS.join(', ')}`)
    .option('--message-type <type>', 'sms or whatsapp (default: whatsapp for --channel whatsapp, else sms)')
    .option('--target <name>', 'forward to this target')
    .option('--none', 'no forwarding (for smpp also no SMPP receipts)')
    .option('--statuses <list>', 'only these statuses, comma-separated (WhatsApp default: delivered,read)')
    .option('--format <format>', 'json or xml (default: the target\'s)')
    .option('--json', 'print as JSON')
    .action((options: RuleOptions) => {
      const channel = options.channel as RuleChannel;
      if (!RULE_CHANNELS.includes(channel)) throw new UsageError(`--channel must be one of ${RULE_CHANNELS.join(', ')}.`);
      const messageType = options.messageType ?? (channel === 'whatsapp' ? 'whatsapp' : 'sms');
      if (messageType !== 'sms' && messageType !== 'whatsapp') throw new UsageError('--message-type must be sms or whatsapp.');
      if (channel === 'whatsapp' && messageType !== 'whatsapp') throw new UsageError('--channel whatsapp goes with --message-type whatsapp.');
      if (Boolean(options.target) === Boolean(options.none)) throw new UsageError('give either --target NAME or --none.');
      if (options.none && (options.statuses || options.format)) throw new UsageError('--statuses and --format do not apply to --none.');
      const known = messageType === 'sms' ? SMS_STATUSES : WHATSAPP_STATUSES;
      const statuses = options.statuses ? options.statuses.split(',').map((s) => s.trim()) : null;
      for (const s of statuses ?? []) if (!known.includes(s)) throw new UsageError(`--statuses: "${s}" is not a ${messageType} status (${known.join(', ')}).`);
      if (options.format && options.format !== 'json' && options.format !== 'xml') throw new UsageError('--format must be json or xml.');
      const added = withStore(options, (store) => {
        const account = store.accounts.bySystemId(options.account!);
        if (!account) throw new NotFoundError(`no account ${options.account}.`);
        let targetId: number | null = null;
        if (options.target) {
          const target = store.targets.byName(options.target);
          if (!target) throw new NotFoundError(`no target ${options.target}.`);
          targetId = target.id;
        }
        return store.rules.add({ accountId: account.id, channel, messageType, targetId, statuses, format: (options.format as 'json' | 'xml' | undefined) ?? null });
      });
      print({ id: added.id, account: options.account, channel, messageType, target: options.target ?? 'none', statuses: added.statuses ?? [], format: added.format }, options.json);
    });

  withCommonOptions(rule.command('list').description('list rules'))
    .option('--account <systemId>', 'only this account')
    .option('--json', 'print as JSON')
    .action((options: RuleOptions) => {
      const rows = withStore(options, (store) => {
        const accounts = new Map(store.accounts.list().map((a) => [a.id, a.systemId]));
        const targets = new Map(store.targets.list().map((t) => [t.id, t.name]));
        let accountId: number | undefined;
        if (options.account) {
          const account = store.accounts.bySystemId(options.account);
          if (!account) throw new NotFoundError(`no account ${options.account}.`);
          accountId = account.id;
        }
        return store.rules.list(accountId).map((r) => ({
          id: r.id,
          account: accounts.get(r.accountId) ?? `#${r.accountId}`,
          channel: r.channel,
          messageType: r.messageType,
          target: r.targetId === null ? 'none' : (targets.get(r.targetId) ?? `#${r.targetId}`),
          statuses: r.statuses ?? [],
          format: r.format,
        }));
      });
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows, ['id', 'account', 'channel', 'messageType', 'target', 'statuses', 'format']);
    });

  withCommonOptions(rule.command('remove <id>').description('remove a rule'))
    .action((id: string, options: CommonOptions) => {
      const n = parseId('rule id', id);
      if (!withStore(options, (store) => store.rules.remove(n))) throw new NotFoundError(`no rule ${id}.`);
      console.log(`rule ${id} removed`);
    });
}
