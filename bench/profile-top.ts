// Prints where a V8 CPU profile spent its time (top self-time functions and areas), e.g. of a
// benchmark run with `node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/forward.js …`.
//   node dist/bench/profile-top.js FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatSummary, summarize, type CpuProfile } from './lib/cpu-profile.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
if (positionals.length === 0) {
  console.error('usage: node dist/bench/profile-top.js FILE.cpuprofile… [--top N]');
  process.exit(2);
}
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(`== ${file}`);
  console.log(formatSummary(summarize(profile), Number(values.top)));
  console.log();
}
