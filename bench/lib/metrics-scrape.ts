// Reads smscd's own /metrics (Prometheus text) for a benchmark: what the server saw of a run,
// beside what the load client measured.

/** The /metrics text of the smscd whose HTTP port this is. */
export async function fetchMetrics(httpPort: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}

/** Value of every sample line of `name` whose labels include all of `labels`. */
export function metricValues(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    out.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** smscd_event_loop_delay_seconds{stat} in ms (0.1 ms), null before the monitor has a sample. */
export function loopDelayMs(text: string, stat: 'p50' | 'p99' | 'max'): number | null {
  const [v] = metricValues(text, 'smscd_event_loop_delay_seconds', { stat });
  return v === undefined ? null : Math.round(v * 1e4) / 10;
}
