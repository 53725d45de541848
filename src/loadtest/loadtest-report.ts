/**
 * The result of a load test run, and its printed form. The JSON form (`--json`) is the object
 * itself: stable camelCase keys, times and latencies in ms, rates per second.
 */
import type { LatencySummary } from './latency-histogram.js';

/** What one load test run measured. */
export interface LoadtestReport {
  /** host:port of the SMSC. */
  target: string;
  tls: boolean;
  binds: number;
  window: number;
  registeredDelivery: number;
  /** The submit rate asked for (per second), or null for as fast as the window allows. */
  rateLimit: number | null;
  /** submit_sm sent. */
  submitted: number;
  /** submit_sm_resp with command_status 0. */
  accepted: number;
  /** Refusals (submit_sm_resp or generic_nack) by command_status name, e.g. ESME_RTHROTTLED. */
  refused: Record<string, number>;
  /** submit_sm without a response within the response timeout (30 s). */
  unanswered: number;
  /** Receipts matched to accepted messages (duplicates excluded), by stat: DELIVRD, UNDELIV, ENROUTE, … */
  receipts: Record<string, number>;
  /** Final receipts owed: one per accepted message for registered_delivery 1 and 17, 0 for 0, null (unknown) for 2. */
  receiptsExpected: number | null;
  /** Owed final receipts that never came (null when none are owed by rule). */
  receiptsMissing: number | null;
  /** Matched intermediate notifications (already counted in `receipts`). */
  intermediateReceipts: number;
  /** Receipts that matched no accepted message, those without an id included. */
  unmatchedReceipts: number;
  /** Final receipts for a message that already had one. */
  duplicateReceipts: number;
  /** Final receipts that came after the receipt timeout of their message (counted in `receipts`). */
  lateReceipts: number;
  /** Receipts with neither receipted_message_id nor `id:` (counted in `unmatchedReceipts`). */
  receiptsWithoutId: number;
  /** deliver_sm and data_sm that were not receipts (mobile-originated messages); answered, not counted. */
  otherDeliverSm: number;
  /** From the first submit_sm to the last response, ms. */
  submitMs: number;
  /** From the first submit_sm to the end of the run, ms. */
  totalMs: number;
  /** Accepted submits per second over `submitMs`. */
  submitRate: number;
  /** Final receipts per second from the first submit_sm to the last final receipt; null without receipts. */
  receiptRate: number | null;
  /** Latency percentiles in ms: submit_sm → submit_sm_resp, and submit_sm → its final receipt. */
  latencyMs: { submitResponse: LatencySummary; receipt: LatencySummary };
  /** Stopped early (SIGINT): submits and receipts still outstanding were not waited for. */
  interrupted: boolean;
  /** Every submit was answered and every owed receipt came. */
  complete: boolean;
}

/** The report as an aligned table for a terminal. */
export function formatReport(r: LoadtestReport): string {
  const rows: Array<[string, string]> = [];
  const add = (label: string, value: string | number): void => {
    rows.push([label, typeof value === 'number' ? count(value) : value]);
  };
  const refusedTotal = Object.values(r.refused).reduce((a, b) => a + b, 0);
  const receiptTotal = Object.values(r.receipts).reduce((a, b) => a + b, 0);

  add('submitted', r.submitted);
  add('accepted', r.accepted);
  add('refused', refusedTotal);
  for (const [name, n] of sorted(r.refused)) add(`  ${name}`, n);
  if (r.unanswered > 0) add('unanswered', r.unanswered);
  add('receipts', receiptTotal);
  for (const [stat, n] of sorted(r.receipts)) add(`  ${stat}`, n);
  if (r.receiptsExpected !== null) add('receipts expected', r.receiptsExpected);
  if (r.receiptsMissing !== null) add('receipts missing', r.receiptsMissing);
  add('unmatched receipts', r.unmatchedReceipts);
  add('duplicate receipts', r.duplicateReceipts);
  if (r.lateReceipts > 0) add('late receipts', r.lateReceipts);
  if (r.otherDeliverSm > 0) add('other deliver_sm', r.otherDeliverSm);
  add('submit rate', `${rate(r.submitRate)} accepted/s over ${seconds(r.submitMs)}`);
  add('receipt rate', r.receiptRate === null ? '-' : `${rate(r.receiptRate)} receipts/s`);
  add('total time', seconds(r.totalMs));

  const width = Math.max(...rows.map(([label]) => label.length), 'submit_sm_resp'.length + 2);
  const lines = [
    `smscd loadtest → ${r.target}${r.tls ? ' (TLS)' : ''}: ${r.binds} bind${r.binds === 1 ? '' : 's'} × window ${r.window}, ` +
      `registered_delivery ${r.registeredDelivery}, rate ${r.rateLimit === null ? 'unlimited' : `${rate(r.rateLimit)}/s`}` +
      (r.interrupted ? ' — INTERRUPTED' : ''),
    '',
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
    '',
    latencyTable(r, width),
  ];
  return lines.join('\n');
}

function latencyTable(r: LoadtestReport, width: number): string {
  const header = ['p50', 'p90', 'p99', 'max', 'count'];
  const cells = (s: LatencySummary): string[] => [...[s.p50, s.p90, s.p99, s.max].map(ms), count(s.count)];
  const body: Array<[string, string[]]> = [
    ['submit_sm_resp', cells(r.latencyMs.submitResponse)],
    ['receipt', cells(r.latencyMs.receipt)],
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...body.map(([, c]) => c[i]!.length)));
  const line = (label: string, values: string[]): string =>
    `${label.padEnd(width)}  ${values.map((v, i) => v.padStart(widths[i]!)).join('  ')}`;
  return [line('latency (ms)', header), ...body.map(([label, values]) => line(`  ${label}`, values))].join('\n');
}

function sorted(counts: Record<string, number>): Array<[string, number]> {
  return Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

const count = (n: number): string => n.toLocaleString('en-US');
const rate = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
