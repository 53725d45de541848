/** Builds the connected target for a stored target spec, by type. */
import type { Config } from '../../config/schema.js';
import { createHttpTarget } from './http.js';
import { createSmtpTarget } from './smtp.js';
import { createSqsTarget } from './sqs.js';
import type { Target, TargetSpec } from './target.js';

/** A target factory bound to the forwarding configuration. */
export function targetFactory(config: Config['forwarding']): (spec: TargetSpec) => Target {
  return (spec) => {
    switch (spec.type) {
      case 'http':
        return createHttpTarget(spec, { timeoutMs: config.httpTimeoutMs, allowPrivate: config.allowPrivateTargets, maxSockets: config.concurrency });
      case 'smtp':
        return createSmtpTarget(spec, config.smtp);
      case 'sqs':
        return createSqsTarget(spec, config.sqs);
    }
  };
}
