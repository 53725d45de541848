// Child-process helpers for benchmarks: start a server program, wait until it says it is ready
// (a line on stdout), and stop it. Servers run as separate processes so that the load client and
// the server under test each have their own event loop, as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How many recent output lines to keep for error messages. */
const TAIL_LINES = 20;

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the first stdout line (from now on) for which `match` is true. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not exited after 5 s. Resolves once it has exited. */
  stop(): Promise<void>;
}

export function startChild(name: string, command: string, args: string[], options: StartOptions = {}): Child {
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const remember = (line: string): void => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  const lineListeners = new Set<(line: string) => void>();

  // Both pipes are read to the end for the child's whole life: a server that logs to a pipe
  // nobody reads blocks once the pipe buffer fills, which would look like a slow server.
  const stdout = createInterface({ input: proc.stdout! });
  stdout.on('line', (line) => {
    remember(line);
    for (const listener of lineListeners) listener(line);
  });
  createInterface({ input: proc.stderr! }).on('line', (line) => remember(`[stderr] ${line}`));

  let exited = proc.exitCode !== null || proc.signalCode !== null;
  const exitPromise = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  // A spawn failure (e.g. ENOENT) is reported through waitForLine/stop, not as a crash.
  let spawnError: Error | undefined;
  proc.once('error', (err) => {
    spawnError = err;
    exited = true;
  });

  const describe = (): string => (tail.length > 0 ? `\n--- last output of ${name} ---\n${tail.join('\n')}` : '');

  return {
    name,
    process: proc,
    waitForLine(match, timeoutMs) {
      return new Promise<string>((resolve, reject) => {
        const finish = (err: Error | undefined, line?: string): void => {
          clearTimeout(timer);
          lineListeners.delete(onLine);
          proc.off('close', onExit);
          proc.off('error', onError);
          if (err) reject(err);
          else resolve(line ?? '');
        };
        const onLine = (line: string): void => {
          if (match(line)) finish(undefined, line);
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
          finish(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready${describe()}`));
        const onError = (err: Error): void => finish(new Error(`${name} failed to start: ${err.message}`));
        const timer = setTimeout(
          () => finish(new Error(`${name} did not become ready within ${timeoutMs} ms${describe()}`)),
          timeoutMs,
        );
        if (spawnError) return finish(new Error(`${name} failed to start: ${spawnError.message}`));
        if (exited) return finish(new Error(`${name} has already exited${describe()}`));
        lineListeners.add(onLine);
        // 'close' rather than 'exit': it comes after the last output line, so the tail is complete.
        proc.once('close', onExit);
        proc.once('error', onError);
      });
    },
    async stop() {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
