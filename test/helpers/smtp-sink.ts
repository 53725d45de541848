/** A real smtp-server on 127.0.0.1, port 0, that accepts every mail and keeps it parsed. */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SmtpRelay } from '../../src/config/schema.js';

/** The sink. */
export interface SmtpSink {
  port: number;
  mails: ParsedMail[];
  /** The `forwarding.smtp` settings that relay through this sink. */
  relay: SmtpRelay;
  close(): Promise<void>;
}

/** Starts the sink (plain SMTP, no AUTH). */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          callback();
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    relay: { host: '127.0.0.1', port, secure: false, auth: null, from: 'smscd <smscd@test.example>', maxConnections: 2, timeoutMs: 2000 },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The attached documents of every mail so far (attachment text, in arrival order). */
export function attachedDocuments(sink: SmtpSink): string[] {
  return sink.mails.flatMap((m) => m.attachments.map((a) => a.content.toString('utf8')));
}
