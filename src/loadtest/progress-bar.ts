/**
 * The live progress bar of `smscd loadtest` (cli-progress, on stderr): submits against the count
 * (or seconds against the duration), the current submit rate, the submits in flight and the
 * receipts received. Only for a terminal; the command never draws it with --json or into a pipe.
 */
import cliProgress from 'cli-progress';
import type { LoadtestOptions } from './loadtest-options.js';
import type { LoadtestProgress } from './run-loadtest.js';

/** A progress display fed by `runLoadtest`'s onProgress. */
export interface ProgressBar {
  update(progress: LoadtestProgress): void;
  /** Leaves the last state on screen and restores the cursor. */
  stop(): void;
}

/** Starts a bar on `stream` (a TTY) for a run with `options`. */
export function startProgressBar(options: LoadtestOptions, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const byTime = options.durationMs !== null;
  const unit = byTime ? 's' : 'submitted';
  const bar = new cliProgress.SingleBar(
    {
      format: `{bar} {value}/{total} ${unit} | {rate}/s | window {inFlight} | receipts {receipts} | {status}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 30,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const total = byTime ? options.durationMs! / 1000 : options.count!;
  bar.start(total, 0, { rate: 0, inFlight: 0, receipts: 0, status: 'binding' });
  return {
    update(p) {
      const value = byTime ? Math.min(total, Math.floor(p.elapsedMs / 100) / 10) : p.submitted;
      const status =
        p.phase === 'submitting'
          ? `${p.accepted.toLocaleString('en-US')} accepted, ${p.refused.toLocaleString('en-US')} refused`
          : p.awaitingReceipts > 0
            ? `waiting for ${p.awaitingReceipts.toLocaleString('en-US')} receipts`
            : `waiting for ${p.inFlight.toLocaleString('en-US')} responses`;
      bar.update(value, {
        rate: Math.round(p.currentRate).toLocaleString('en-US'),
        inFlight: p.inFlight,
        receipts: p.receipts.toLocaleString('en-US'),
        status,
      });
    },
    stop() {
      bar.stop();
    },
  };
}
