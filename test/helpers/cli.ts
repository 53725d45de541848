/** Runs the real `smscd` binary (bin/smscd → dist) as a child process. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bin/smscd of this checkout (dist/test/helpers → project root). */
export const SMSCD = fileURLToPath(new URL('../../../bin/smscd', import.meta.url));

/** Result of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `smscd …args` to completion. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMSCD, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `smscd serve` child process and the lines it has logged. */
export interface ServeProcess {
  child: ChildProcess;
  lines: string[];
  smppPort: number;
  exited: Promise<number | null>;
}

/** Starts `smscd serve --db <db> --smpp-port 0 …` and waits for its "listening" line. */
export function serve(db: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [SMSCD, 'serve', '--db', db, '--smpp-port', '0', '--http-port', '0', '--smtp-port', '0', ...extraArgs], {
    env: { ...process.env, SMSCD_SMPP_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`serve did not log "listening" within 10 s:\n${lines.join('\n')}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; smpp?: number };
        if (entry.msg === 'listening' && typeof entry.smpp === 'number') {
          clearTimeout(timer);
          resolve({ child, lines, smppPort: entry.smpp, exited });
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
}
