/**
 * Crash safety of forwarding and receipts: `smscd serve` is killed with SIGKILL at random moments
 * while messages are submitted, receipts pushed and events forwarded, then restarted. Every
 * message acknowledged to the client must end with its receipt delivered to the client and its
 * event forwarded to the receiver; duplicates may happen only with the same notificationId.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import smpp from 'smpp';
import { cli, serve, type ServeProcess } from '../helpers/cli.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { startReceiver } from '../helpers/http-receiver.js';
import { submitFields, type PDU } from '../helpers/smpp-client.js';

test('SIGKILL during submits, receipts and forwards: after restarts everything acknowledged arrives', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'smscd.db');
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      simulator: { delayMs: [0, 300], outcomes: { delivered: 1 } },
      forwarding: { allowPrivateTargets: true, retrySchedule: [0, 0.2, 0.5, 1, 1, 1, 1, 1, 1, 1], retryJitter: 0, leaseSec: 5 },
      receipts: { retryDelaySec: 1 },
      smpp: { responseTimeoutSec: 2, shutdownGraceMs: 200 },
    }),
  );
  // The receiver answers slowly, so deliveries are in flight when the server dies.
  const receiver = await startReceiver({ status: 200, delayMs: 15 });
  t.after(() => receiver.close());
  const run = async (args: string[]): Promise<void> => {
    const result = await cli([...args, '--db', db, '--config', configFile]);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  };
  await run(['account', 'add', 'acme', '--password', 'pw']);
  await run(['target', 'add', 'hook', '--type', 'http', '--url', receiver.url]);
  await run(['rule', 'add', '--account', 'acme', '--channel', 'smpp', '--target', 'hook']);

  const acknowledged = new Set<string>();
  const receipted = new Map<string, number>();
  let server: ServeProcess | null = null;
  t.after(() => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  /** Binds a transceiver that answers receipts and submits until the socket closes. */
  const client = (port: number, submitting: boolean): Promise<void> =>
    new Promise((resolve) => {
      const session = smpp.connect({ host: '127.0.0.1', port });
      let open = true;
      session.on('error', () => {});
      session.socket.once('close', () => {
        open = false;
        resolve();
      });
      session.on('deliver_sm', (pdu: PDU) => {
        const id = String(pdu.receipted_message_id);
        receipted.set(id, (receipted.get(id) ?? 0) + 1);
        session.send(pdu.response());
      });
      session.on('unbind', (pdu: PDU) => session.send(pdu.response()));
      session.bind_transceiver({ system_id: 'acme', password: 'pw' }, (r) => {
        if (r.command_status !== 0 || !submitting) return;
        let inFlight = 0;
        const pump = (): void => {
          while (open && inFlight < 20) {
            inFlight++;
            session.submit_sm(submitFields({ registered_delivery: 1 }), (resp) => {
              inFlight--;
              if (resp.command_status === 0) acknowledged.add(String(resp.message_id));
              setTimeout(pump, 2);
            });
          }
        };
        pump();
      });
    });

  for (let round = 0; round < 3; round++) {
    server = await serve(db, ['--config', configFile]);
    const done = client(server.smppPort, true);
    await sleep(300 + Math.floor(Math.random() * 700));
    server.child.kill('SIGKILL');
    await server.exited;
    await done;
  }
  assert.ok(acknowledged.size > 50, `enough messages were acknowledged to mean something (${acknowledged.size})`);

  // A last, undisturbed run: everything owed must now arrive.
  server = await serve(db, ['--config', configFile]);
  const last = client(server.smppPort, false);
  const forwardedIds = (): Set<string> => new Set(receiver.received.filter((r) => r.status === 200).map((r) => (JSON.parse(r.body) as { transferId: string }).transferId));
  await eventually(
    () => {
      const forwarded = forwardedIds();
      const missingForward = [...acknowledged].filter((id) => !forwarded.has(id));
      const missingReceipt = [...acknowledged].filter((id) => !receipted.has(id));
      assert.deepEqual({ missingForward: missingForward.length, missingReceipt: missingReceipt.length }, { missingForward: 0, missingReceipt: 0 });
    },
    40_000,
    'every acknowledged message forwarded and receipted',
  );
  // Duplicates are allowed only as the same event again: same notificationId, same content.
  const byNotification = new Map<string, string>();
  let duplicates = 0;
  for (const r of receiver.received.filter((x) => x.status === 200)) {
    const doc = JSON.parse(r.body) as { notificationId: string; transferId: string; deliveryReportMessageStatus: string };
    const key = `${doc.transferId}/${doc.deliveryReportMessageStatus}`;
    const seen = byNotification.get(key);
    if (seen !== undefined) {
      duplicates++;
      assert.equal(doc.notificationId, seen, `a duplicate of ${key} carries the same notificationId`);
    } else byNotification.set(key, doc.notificationId);
  }
  t.diagnostic(`${acknowledged.size} acknowledged, ${duplicates} duplicate forwards, ${[...receipted.values()].filter((n) => n > 1).length} duplicate receipts`);
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  await last;
});
