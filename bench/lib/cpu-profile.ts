// Reads a V8 .cpuprofile (node --cpu-prof, or inspector Profiler.stop) and says where the time
// went: the functions with the most self time, and self time by area (an smscd source file, an
// npm package, a node: core module). Native frames without a script (better-sqlite3's statement
// calls, C++ bindings) are counted in the area of the nearest JavaScript caller, marked "(native)",
// so SQLite time shows up under the repository that ran the statement.

/** The parts of a V8 profile this reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Entry {
  name: string;
  area: string;
  selfMs: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  /** GC, (program) and the like, outside any function. */
  systemMs: number;
  functions: Entry[];
  areas: Entry[];
}

const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** The area a script URL belongs to, or null for native frames (no URL). */
export function areaOf(url: string): string | null {
  if (url === '') return null;
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    return `node:${parts[0] === 'internal' ? parts.slice(0, 2).join('/') : parts[0]}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 6).replace(/\.js$/, '.ts');
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 14);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 6);
  return url.replace(/^file:\/\//, '');
}

export function summarize(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Self time per node: each sample lasts until the next one (the last until endTime).
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  const times = samples.map((_, i) => (t += deltas[i] ?? 0));
  for (let i = 0; i < samples.length; i++) {
    const end = i + 1 < times.length ? times[i + 1]! : profile.endTime;
    const dur = Math.max(0, end - times[i]!);
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + dur);
  }

  const areaCache = new Map<number, string>();
  const areaFor = (id: number): string => {
    const cached = areaCache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id)!;
    const own = areaOf(node.callFrame.url);
    let area: string;
    if (own !== null) area = own;
    else {
      const p = parent.get(id);
      const up = p === undefined ? '(top level)' : areaFor(p);
      area = up.endsWith(' (native)') || up === '(top level)' ? up : `${up} (native)`;
    }
    areaCache.set(id, area);
    return area;
  };

  let totalUs = 0;
  let idleUs = 0;
  let systemUs = 0;
  const functions = new Map<string, Entry>();
  const areas = new Map<string, Entry>();
  for (const [id, us] of selfUs) {
    totalUs += us;
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    if (SPECIAL.has(functionName)) {
      systemUs += us;
      const e = areas.get(functionName) ?? { name: functionName, area: functionName, selfMs: 0 };
      e.selfMs += us / 1000;
      areas.set(functionName, e);
      continue;
    }
    const area = areaFor(id);
    const name = `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : '[native]'}`;
    const key = `${name}|${area}`;
    const f = functions.get(key) ?? { name, area, selfMs: 0 };
    f.selfMs += us / 1000;
    functions.set(key, f);
    const a = areas.get(area) ?? { name: area, area, selfMs: 0 };
    a.selfMs += us / 1000;
    areas.set(area, a);
  }
  const desc = (a: Entry, b: Entry): number => b.selfMs - a.selfMs;
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    systemMs: systemUs / 1000,
    functions: [...functions.values()].sort(desc),
    areas: [...areas.values()].sort(desc),
  };
}

/** The summary as text: busy share, then the top `top` functions and areas by self time. */
export function formatSummary(summary: ProfileSummary, top = 25): string {
  const busy = summary.totalMs - summary.idleMs;
  const pct = (ms: number): string => `${((ms * 100) / (busy || 1)).toFixed(1).padStart(5)} %`;
  const ms = (v: number): string => `${v.toFixed(0).padStart(7)} ms`;
  const lines = [
    `profiled ${summary.totalMs.toFixed(0)} ms: busy ${busy.toFixed(0)} ms (${((busy * 100) / (summary.totalMs || 1)).toFixed(1)} %), idle ${summary.idleMs.toFixed(0)} ms; shares below are of busy time`,
    '',
    `top ${top} functions by self time:`,
    ...summary.functions.slice(0, top).map((f) => `  ${ms(f.selfMs)} ${pct(f.selfMs)}  ${f.name}  [${f.area}]`),
    '',
    'self time by area:',
    ...summary.areas.slice(0, top).map((a) => `  ${ms(a.selfMs)} ${pct(a.selfMs)}  ${a.name}`),
  ];
  return lines.join('\n');
}
