/** `smscd target add|list|show|remove|test`: where events are forwarded. */
import type { Command } from 'commander';
import { NotFoundError, UsageError } from '../errors.js';
import { webhookSecretKey } from '../forwarding/signing.js';
import { sendTestEvent } from '../forwarding/test-send.js';
import type { Format, TargetType } from '../forwarding/targets/target.js';
import { publicTarget } from '../store/targets.js';
import { configFrom, print, printTable, withCommonOptions, withStore, type CommonOptions } from './common.js';

interface AddOptions extends CommonOptions {
  type?: string;
  url?: string;
  to?: string;
  queueUrl?: string;
  format: string;
  secret?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkFormat(format: string): Format {
  if (format !== 'json' && format !== 'xml') throw new UsageError(`--format must be json or xml, not "${format}".`);
  return format;
}

function checkUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${option} "${value}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${option} must be an http:// or https:// URL.`);
  return url.toString();
}

/** Registers the `target` command group. */
export function targetCommands(program: Command): void {
  const target = program.command('target').description('manage forwarding targets (HTTP URLs, e-mail addresses, SQS queues)');

  withCommonOptions(target.command('add <name>').description('add a target'))
    .requiredOption('--type <type>', 'http, smtp or sqs')
    .option('--url <url>', 'http: the URL events are POSTed to')
    .option('--to <addr>', 'smtp: the address events are mailed to')
    .option('--queue-url <url>', 'sqs: the queue URL (a name ending in .fifo is a FIFO queue)')
    .option('--format <format>', 'json or xml', 'json')
    .option('--secret <whsec>', 'http: sign requests with this Standard Webhooks secret (whsec_<base64>)')
    .option('--json', 'print as JSON')
    .action((name: string, options: AddOptions) => {
      if (!NAME.test(name)) throw new UsageError(`target name "${name}" must be 1–64 letters, digits, ".", "_" or "-".`);
      const type = options.type as TargetType;
      if (!['http', 'smtp', 'sqs'].includes(type)) throw new UsageError(`--type must be http, smtp or sqs, not "${options.type}".`);
      const needs: Record<TargetType, [keyof AddOptions, string]> = { http: ['url', '--url'], smtp: ['to', '--to'], sqs: ['queueUrl', '--queue-url'] };
      const [field, flag] = needs[type];
      if (!options[field]) throw new UsageError(`a ${type} target needs ${flag}.`);
      for (const [other, otherFlag] of Object.values(needs)) {
        if (other !== field && options[other]) throw new UsageError(`${otherFlag} does not apply to a ${type} target.`);
      }
      if (options.secret !== undefined) {
        if (type !== 'http') throw new UsageError('--secret applies to http targets only.');
        try {
          webhookSecretKey(options.secret);
        } catch {
          throw new UsageError('--secret must be a Standard Webhooks secret: whsec_ followed by base64.');
        }
      }
      if (options.to !== undefined && !EMAIL.test(options.to)) throw new UsageError(`--to "${options.to}" is not an e-mail address.`);
      const created = withStore(options, (store) => {
        if (store.targets.byName(name)) throw new UsageError(`target ${name} already exists.`);
        return store.targets.add({
          name,
          type,
          url: options.url ? checkUrl(options.url, '--url') : null,
          to: options.to ?? null,
          queueUrl: options.queueUrl ? checkUrl(options.queueUrl, '--queue-url') : null,
          format: checkFormat(options.format),
          secret: options.secret ?? null,
        });
      });
      print(publicTarget(created), options.json);
    });

  withCommonOptions(target.command('list').description('list targets'))
    .option('--json', 'print as JSON')
    .action((options: CommonOptions) => {
      const rows = withStore(options, (store) => store.targets.list('configured').map(publicTarget));
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows.map((r) => ({ ...r, address: r.url ?? r.to ?? r.queueUrl })), ['name', 'type', 'address', 'format', 'signed', 'enabled', 'disabledReason']);
    });

  withCommonOptions(target.command('show <name>').description('show one target and its delivery counts'))
    .option('--json', 'print as JSON')
    .action((name: string, options: CommonOptions) => {
      const shown = withStore(options, (store) => {
        const t = store.targets.byName(name);
        if (!t) throw new NotFoundError(`no target ${name}.`);
        return { ...publicTarget(t), ...store.outbox.counts(t.id) };
      });
      print(shown, options.json);
    });

  withCommonOptions(target.command('enable <name>').description('enable a target again (after a 410 disabled it)'))
    .action((name: string, options: CommonOptions) => {
      withStore(options, (store) => {
        const t = store.targets.byName(name);
        if (!t) throw new NotFoundError(`no target ${name}.`);
        store.targets.setEnabled(t.id, true, null);
      });
      console.log(`target ${name} enabled`);
    });

  withCommonOptions(target.command('remove <name>').description('remove a target, its rules and its undelivered events'))
    .action((name: string, options: CommonOptions) => {
      if (!withStore(options, (store) => store.targets.remove(name))) throw new NotFoundError(`no target ${name}.`);
      console.log(`target ${name} removed`);
    });

  withCommonOptions(target.command('test <name>').description('send a sample event to a target and print what happened'))
    .option('--json', 'print as JSON')
    .action(async (name: string, options: CommonOptions) => {
      const config = configFrom(options);
      const spec = withStore(options, (store) => store.targets.byName(name));
      if (!spec) throw new NotFoundError(`no target ${name}.`);
      const result = await sendTestEvent(config.forwarding, spec);
      print({ target: name, ...result }, options.json);
      if (result.outcome !== 'delivered') process.exitCode = 1;
    });
}
