/**
 * A latency distribution over an HdrHistogram (`hdr-histogram-js`, pure JavaScript): constant
 * memory whatever the count, 3 significant digits, so percentiles are exact to 0.1 %.
 */
import { build, type Histogram } from 'hdr-histogram-js';

/** Percentiles of one latency, in ms; null when nothing was recorded. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** Microseconds per millisecond: values are recorded in µs, so sub-ms latencies keep their resolution. */
const US_PER_MS = 1000;

const ms = (us: number): number => Math.round(us) / US_PER_MS;

/** Records latencies (ms) and summarises them. */
export class LatencyHistogram {
  private readonly histogram: Histogram = build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Records one latency in ms (negative values, from clock noise, count as 0). */
  record(ms: number): void {
    this.histogram.recordValue(Math.max(0, Math.round(ms * US_PER_MS)));
  }

  /** p50, p90, p99 and max in ms, rounded to µs. */
  summary(): LatencySummary {
    const count = this.histogram.totalCount;
    if (count === 0) return { count, p50: null, p90: null, p99: null, max: null };
    const max = this.histogram.maxValue;
    // A percentile is reported as the top of its bucket, which can lie above the largest value
    // recorded; no latency was larger than the max.
    const at = (percentile: number): number => ms(Math.min(this.histogram.getValueAtPercentile(percentile), max));
    return { count, p50: at(50), p90: at(90), p99: at(99), max: ms(max) };
  }
}
