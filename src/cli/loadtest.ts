/**
 * `smscd loadtest` (SPEC §8): binds N sessions to an SMSC — this one or any other SMPP 3.4 SMSC —
 * submits a count (or for a duration) at an optional rate with a progress bar, waits for the
 * receipts, and prints throughput and latency percentiles (a table, or one JSON object).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { LoadtestError } from '../loadtest/loadtest-error.js';
import { formatReport, type LoadtestReport } from '../loadtest/loadtest-report.js';
import { resolveLoadtestOptions, type LoadtestInput } from '../loadtest/loadtest-options.js';
import { startProgressBar, type ProgressBar } from '../loadtest/progress-bar.js';
import { runLoadtest } from '../loadtest/run-loadtest.js';
import { integer, withCommonOptions, type CommonOptions } from './common.js';

interface LoadtestFlags extends CommonOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  binds?: number;
  window?: number;
  count?: number;
  duration?: number;
  rate?: number;
  registeredDelivery?: number;
  receiptTimeout?: number;
  text?: string;
  dataCoding?: string;
  source?: string;
  destination?: string;
  tls?: boolean;
  insecure?: boolean;
}

/** commander parser for a number of seconds or a rate: finite, and above (or at) `min`. */
function decimal(name: string, min: number, inclusive: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || (inclusive ? n < min : n <= min)) {
      throw new InvalidArgumentError(`${name} must be a number ${inclusive ? 'of at least' : 'greater than'} ${min}.`);
    }
    return n;
  };
}

/** commander parser for --registered-delivery: 0, 1, 2 or 17 (also written 0x11). */
function registeredDelivery(value: string): number {
  const n = /^0x[0-9a-f]+$/i.test(value) ? Number.parseInt(value.slice(2), 16) : /^\d+$/.test(value) ? Number(value) : NaN;
  if (![0, 1, 2, 17].includes(n)) {
    throw new InvalidArgumentError('--registered-delivery must be 0 (none), 1 (final), 2 (failures only) or 17 (0x11: final and intermediate).');
  }
  return n;
}

/** Registers `loadtest`. */
export function loadtestCommand(program: Command): void {
  withCommonOptions(
    program
      .command('loadtest')
      .description('load-test an SMSC over SMPP: submit, wait for receipts, print throughput and latency percentiles'),
  )
    .option('--host <host>', 'SMSC host', '127.0.0.1')
    .option('--port <n>', 'SMSC port', integer('--port', 1, 65535), 2775)
    .requiredOption('--system-id <id>', 'system_id to bind with')
    .requiredOption('--password <pw>', 'password to bind with')
    .option('--binds <n>', 'transceiver sessions (default: 1)', integer('--binds', 1, 1000))
    .option('--window <n>', 'most submit_sm awaiting a response per bind (default: 10)', integer('--window', 1, 100_000))
    .option('--count <n>', 'submit_sm to send in total (default: 1000; not with --duration)', integer('--count', 1))
    .option('--duration <s>', 'submit for this many seconds instead of a count', decimal('--duration', 0, false))
    .option('--rate <r>', 'submit_sm per second over all binds (default: as fast as the window allows)', decimal('--rate', 0, false))
    .option('--registered-delivery <n>', '0 none, 1 final receipt, 2 failures only, 17 final + intermediate (default: 1)', registeredDelivery)
    .option('--receipt-timeout <s>', "seconds to wait for a message's receipt after its submit (default: 30)", decimal('--receipt-timeout', 0, true))
    .option('--text <text>', 'short_message text (default: "smscd load test")')
    .option('--data-coding <dc>', '0|gsm, 1|ascii, 3|latin1 or 8|ucs2 (default: 0)')
    .option('--source <addr>', 'source_addr: digits, or up to 11 letters (default: 436601234567)')
    .option('--destination <addr>', 'destination_addr (default: 436991234567)')
    .option('--tls', 'connect over TLS')
    .option('--insecure', 'with --tls: accept a certificate that does not verify (self-signed)')
    .option('--json', 'print the report as one JSON object on stdout')
    .addHelpText('after', '\n--db and --config are accepted like on every command; loadtest talks only SMPP and uses neither.')
    .action(async (flags: LoadtestFlags) => {
      const input: LoadtestInput = {
        host: flags.host,
        port: flags.port,
        systemId: flags.systemId,
        password: flags.password,
        binds: flags.binds,
        window: flags.window,
        count: flags.count,
        durationSec: flags.duration,
        rate: flags.rate,
        registeredDelivery: flags.registeredDelivery,
        receiptTimeoutSec: flags.receiptTimeout,
        text: flags.text,
        dataCoding: flags.dataCoding,
        source: flags.source,
        destination: flags.destination,
        tls: flags.tls,
        insecure: flags.insecure,
      };
      // Validated before connecting, so a usage mistake exits 2 without touching the network.
      const options = resolveLoadtestOptions(input);
      const bar: ProgressBar | null = !flags.json && process.stderr.isTTY ? startProgressBar(options) : null;
      // Ctrl-C stops the run and still prints what was measured; a second one kills as usual.
      const abort = new AbortController();
      const onSigint = (): void => abort.abort();
      process.once('SIGINT', onSigint);
      let report: LoadtestReport | undefined;
      let failure: LoadtestError | undefined;
      try {
        report = await runLoadtest(input, { signal: abort.signal, onProgress: bar ? (p) => bar.update(p) : undefined });
      } catch (err) {
        if (!(err instanceof LoadtestError)) throw err;
        failure = err;
        report = err.report;
      } finally {
        process.off('SIGINT', onSigint);
        bar?.stop();
      }
      if (report) console.log(flags.json ? JSON.stringify(report, null, 2) : `${bar ? '\n' : ''}${formatReport(report)}`);
      if (failure) {
        console.error(`smscd: loadtest: ${failure.message}`);
        process.exitCode = 1;
      } else if (report?.interrupted) {
        // As a shell reports a command ended by SIGINT (128 + 2), though the report was printed.
        process.exitCode = 130;
      }
    });
}
