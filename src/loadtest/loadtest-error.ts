/** A load test that could not run or finish (connection, bind, a bind lost midway): exit code 1. */
import type { LoadtestReport } from './loadtest-report.js';

/** A runtime failure of a load test, with what was measured until then when it got that far. */
export class LoadtestError extends Error {
  constructor(
    message: string,
    /** The counts up to the failure; undefined when it failed before the first submit. */
    readonly report?: LoadtestReport,
  ) {
    super(message);
    this.name = 'LoadtestError';
  }
}
