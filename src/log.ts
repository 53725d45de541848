/** The one pino root logger; components take a child with their own `component` key. */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Creates the root logger. Secrets never reach it: callers log ids, not credentials. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      // Belt and braces: if a password field ever slips into a log call, it is not written.
      redact: { paths: ['password', '*.password', 'secret', '*.secret', 'token', '*.token'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
