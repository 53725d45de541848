// `npm run bench`: runs every benchmark in turn (each prints its own detail as it goes) and ends
// with one table of their headline figures, gathered from the RESULT lines they print.
//   node dist/bench/all.js [--only ingest,latency,…] [--soak-minutes N] (passed to bench/memory.ts)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { RESULT_PREFIX, type BenchResult } from './lib/result.js';
import { ROOT } from './lib/smscd.js';

/** Every benchmark, in the order they run; a file that does not exist (yet) is skipped. */
const BENCHMARKS: Array<{ name: string; args?: (soakMinutes: string) => string[] }> = [
  { name: 'ingest' },
  { name: 'receipts' },
  { name: 'latency' },
  { name: 'forward' },
  { name: 'full-path' },
  { name: 'api' },
  { name: 'relay' },
  { name: 'memory', args: (soak) => ['--soak-minutes', soak] },
];

const { values } = parseArgs({ options: { only: { type: 'string' }, 'soak-minutes': { type: 'string', default: '10' } } });
const only = values.only?.split(',');

function runOne(file: string, args: string[]): Promise<{ code: number; results: BenchResult[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const results: BenchResult[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(RESULT_PREFIX)) results.push(JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult);
      else console.log(line);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, results }));
  });
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  let failed = 0;
  for (const bench of BENCHMARKS) {
    if (only && !only.includes(bench.name)) continue;
    const file = join(ROOT, 'dist/bench', `${bench.name}.js`);
    if (!existsSync(file)) continue;
    console.log(`\n===== ${bench.name} =====`);
    const { code, results } = await runOne(file, bench.args?.(values['soak-minutes']) ?? []);
    if (code !== 0) failed++;
    for (const r of results) rows.push([r.bench, r.figure, `${Number.isInteger(r.value) ? r.value.toLocaleString('en-US') : r.value.toFixed(r.unit === 'ratio' ? 3 : 2)} ${r.unit}`, r.goal, r.met ? 'met' : 'not met']);
    if (results.length === 0) rows.push([bench.name, `no result (exit code ${code})`, '-', '-', '-']);
  }
  const header = ['benchmark', 'figure', 'value', 'goal', 'goal met'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log(`\n${format(header)}`);
  for (const row of rows) console.log(format(row));
  if (failed > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
