/** `smscd account add|list|show|set|remove`. */
import type { Command } from 'commander';
import { NotFoundError, UsageError } from '../errors.js';
import { parseCidr } from '../smpp/ip-allow.js';
import { publicAccount, type AccountPatch, type FixedFormat } from '../store/accounts.js';
import { generateApiToken, generatePassword, hashPassword } from '../store/secrets.js';
import { collect, integer, print, printTable, withCommonOptions, withStore, type CommonOptions } from './common.js';

interface AccountOptions extends CommonOptions {
  password?: string;
  rate?: number;
  maxBinds?: number;
  allowIp?: string[];
  anyIp?: boolean;
  /** A string, or false from `--no-email`. */
  email?: string | false;
  newToken?: boolean;
  apiFormat?: string;
  emailFormat?: string;
}

function checkFixedFormat(option: string, value: string | undefined): FixedFormat | undefined {
  if (value === undefined) return undefined;
  if (value !== 'json' && value !== 'xml' && value !== 'none') throw new UsageError(`${option} must be json, xml or none, not "${value}".`);
  return value;
}

/** SMPP 3.4 §5.2.1: system_id is at most 15 characters. */
const SYSTEM_ID = /^[\x21-\x7e]{1,15}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkSystemId(systemId: string): void {
  if (!SYSTEM_ID.test(systemId)) throw new UsageError(`system id "${systemId}" must be 1–15 printable ASCII characters without spaces (SMPP system_id).`);
}

function checkPassword(password: string): void {
  if (password.length === 0 || password.length > 64 || !/^[\x20-\x7e]+$/.test(password)) {
    throw new UsageError('--password must be 1–64 printable ASCII characters.');
  }
}

function checkIps(ips: string[]): string[] {
  for (const ip of ips) {
    try {
      parseCidr(ip);
    } catch (err) {
      throw new UsageError(`--allow-ip ${(err as Error).message}.`);
    }
  }
  return ips;
}

function checkEmail(email: string): string {
  if (!EMAIL.test(email)) throw new UsageError(`--email "${email}" is not an e-mail address.`);
  return email;
}

function limitOptions(command: Command): Command {
  return command
    .option('--rate <n>', 'messages per second, 0 = unlimited', integer('--rate', 0, 1_000_000))
    .option('--max-binds <n>', 'concurrent SMPP binds', integer('--max-binds', 1, 10_000))
    .option('--allow-ip <cidr>', 'allowed source address or CIDR (repeatable; none = any)', collect)
    .option('--email <addr>', 'the account holder\'s e-mail address')
    .option('--api-format <format>', 'receipts to an API request\'s notificationCallbackUrl: json, xml or none (default json)')
    .option('--email-format <format>', 'receipts mailed back to an e-mail sender: json, xml or none (default json)');
}

/** Registers the `account` command group. */
export function accountCommands(program: Command): void {
  const account = program.command('account').description('manage customer accounts (SMPP system ids)');

  limitOptions(withCommonOptions(account.command('add <systemId>').description('create an account')))
    .option('--password <pw>', 'SMPP password (generated and shown once when left out; SMPP 3.4 clients send at most 8 characters)')
    .option('--json', 'print as JSON')
    .action((systemId: string, options: AccountOptions) => {
      checkSystemId(systemId);
      const password = options.password ?? generatePassword(8);
      checkPassword(password);
      const token = generateApiToken();
      const created = withStore(options, (store) => {
        if (store.accounts.bySystemId(systemId)) throw new UsageError(`account ${systemId} already exists (use "account set").`);
        return store.accounts.add({
          systemId,
          passwordHash: hashPassword(password),
          maxBinds: options.maxBinds ?? 10,
          rate: options.rate ?? 0,
          allowedIps: checkIps(options.allowIp ?? []),
          email: typeof options.email === 'string' ? checkEmail(options.email) : null,
          apiTokenHash: token.hash,
          apiFormat: checkFixedFormat('--api-format', options.apiFormat),
          emailFormat: checkFixedFormat('--email-format', options.emailFormat),
        });
      });
      const shown = {
        ...publicAccount(created),
        ...(options.password === undefined ? { password } : {}),
        apiToken: token.token,
      };
      print(shown, options.json);
      if (!options.json) console.log(`\nThe API token${options.password === undefined ? ' and password are' : ' is'} shown only now.`);
    });

  withCommonOptions(account.command('list').description('list accounts'))
    .option('--json', 'print as JSON')
    .action((options: CommonOptions) => {
      const accounts = withStore(options, (store) => store.accounts.list().map(publicAccount));
      if (options.json) console.log(JSON.stringify(accounts, null, 2));
      else printTable(accounts, ['systemId', 'maxBinds', 'rate', 'allowedIps', 'email', 'hasApiToken']);
    });

  withCommonOptions(account.command('show <systemId>').description('show one account'))
    .option('--json', 'print as JSON')
    .action((systemId: string, options: CommonOptions) => {
      const found = withStore(options, (store) => store.accounts.bySystemId(systemId));
      if (!found) throw new NotFoundError(`no account ${systemId}.`);
      print(publicAccount(found), options.json);
    });

  limitOptions(withCommonOptions(account.command('set <systemId>').description('change an account; a running server applies it within a second')))
    .option('--password <pw>', 'new SMPP password')
    .option('--any-ip', 'allow binds from any address (clears --allow-ip)')
    .option('--no-email', 'remove the e-mail address')
    .option('--new-token', 'generate a new API token (shown once)')
    .option('--json', 'print as JSON')
    .action((systemId: string, options: AccountOptions) => {
      const patch: AccountPatch = {};
      if (options.password !== undefined) {
        checkPassword(options.password);
        patch.passwordHash = hashPassword(options.password);
      }
      if (options.rate !== undefined) patch.rate = options.rate;
      if (options.maxBinds !== undefined) patch.maxBinds = options.maxBinds;
      if (options.allowIp && options.anyIp) throw new UsageError('use either --allow-ip or --any-ip, not both.');
      if (options.allowIp) patch.allowedIps = checkIps(options.allowIp);
      if (options.anyIp) patch.allowedIps = [];
      if (options.email === false) patch.email = null;
      else if (typeof options.email === 'string') patch.email = checkEmail(options.email);
      const apiFormat = checkFixedFormat('--api-format', options.apiFormat);
      if (apiFormat) patch.apiFormat = apiFormat;
      const emailFormat = checkFixedFormat('--email-format', options.emailFormat);
      if (emailFormat) patch.emailFormat = emailFormat;
      const token = options.newToken ? generateApiToken() : null;
      if (token) patch.apiTokenHash = token.hash;
      if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one option (see "account set --help").');
      const updated = withStore(options, (store) => store.accounts.update(systemId, patch));
      if (!updated) throw new NotFoundError(`no account ${systemId}.`);
      print({ ...publicAccount(updated), ...(token ? { apiToken: token.token } : {}) }, options.json);
    });

  withCommonOptions(account.command('remove <systemId>').description('delete an account; its bound sessions are ended'))
    .action((systemId: string, options: CommonOptions) => {
      const removed = withStore(options, (store) => store.accounts.remove(systemId));
      if (!removed) throw new NotFoundError(`no account ${systemId}.`);
      console.log(`account ${systemId} removed`);
    });
}
