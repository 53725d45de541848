// CPU time of another process from /proc/<pid>/stat (Linux), to tell whether a benchmark's peer
// was the bottleneck: a peer near 100 % of a core while the server idles bounds the rate.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux we run on). */
const TICKS_PER_SEC = 100;

/** user + system CPU seconds of `pid` so far, or null when it cannot be read. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its closing ')' do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SEC : null;
  } catch {
    return null;
  }
}

/** CPU seconds of the whole machine so far (all CPUs): busy (not idle, not iowait) and steal, or null without /proc/stat. */
export function machineCpuSeconds(): { busy: number; steal: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal …
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    return { busy: (user! + nice! + system! + irq! + softirq!) / TICKS_PER_SEC, steal: (steal ?? 0) / TICKS_PER_SEC };
  } catch {
    return null;
  }
}
