/** `smscd serve`: runs the server until SIGTERM/SIGINT, then stops gracefully and exits 0. */
import type { Command } from 'commander';
import { run } from '../app.js';
import { configFrom, integer, withCommonOptions, type CommonOptions } from './common.js';

interface ServeOptions extends CommonOptions {
  smppPort?: number;
  httpPort?: number;
  smtpPort?: number;
}

/** Registers `serve`. */
export function serveCommand(program: Command): void {
  withCommonOptions(program.command('serve').description('run the SMSC'))
    .option('--smpp-port <n>', 'SMPP port (0 = any free port)', integer('--smpp-port', 0, 65535))
    .option('--http-port <n>', 'HTTP API port (0 = any free port)', integer('--http-port', 0, 65535))
    .option('--smtp-port <n>', 'e-mail interface port (0 = any free port)', integer('--smtp-port', 0, 65535))
    .action(async (options: ServeOptions) => {
      const config = configFrom(options, {
        'smpp.port': options.smppPort,
        'http.port': options.httpPort,
        'email.port': options.smtpPort,
      });
      const app = await run(config);
      if (app.demo) {
        // Printed once, on the start that created the account; never logged.
        process.stdout.write(
          `\nDemo account created — system_id: ${app.demo.systemId}  password: ${app.demo.password}\n` +
            `Bind to port ${app.ports.smpp}. This password is shown only now; change it with ` +
            `"smscd account set ${app.demo.systemId} --password …".\n\n`,
        );
      }
      if (app.operatorPassword) {
        process.stdout.write(
          `Console operator created — http://localhost:${app.ports.http}/console/  user: ${config.console.operatorUser}  password: ${app.operatorPassword}\n` +
            `Shown only now; set your own with console.operatorPassword in the config (or SMSCD_CONSOLE_OPERATOR_PASSWORD).\n\n`,
        );
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          app.log.info({ signal }, 'shutting down');
          resolve();
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      await app.close();
      // Flush pino's async destination before the process ends.
      app.log.flush();
    });
}
