/**
 * `smscd loadtest` against an SMSC that sends what the load test cannot read or does not expect:
 * a real TCP server on port 0 that frames and answers PDUs itself and misbehaves on purpose.
 * A request the load test cannot read is refused with generic_nack and the run goes on; a
 * response it cannot read ends the run with a message that says so. The process never crashes.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { LoadtestError } from '../../src/loadtest/loadtest-error.js';
import { runLoadtest } from '../../src/loadtest/run-loadtest.js';
import { Status } from '../../src/smpp/command-status.js';
import { FrameReader } from '../../src/smpp/frame-reader.js';
import { commandId, decodePdu, encodeCStringResponse, encodeHeaderOnly, encodePdu, type Pdu } from '../../src/smpp/pdu-codec.js';
import { cleanup } from '../helpers/cleanup.js';

const RESPONSE = 0x80000000;
const SUBMIT_SM = commandId('submit_sm');
const GENERIC_NACK = commandId('generic_nack');

/** What the SMSC does after the bind, and on each submit_sm (its n-th, from 1). */
interface Script {
  afterBind(socket: net.Socket): void;
  onSubmit(socket: net.Socket, pdu: Pdu, n: number): void;
}

/** Starts the SMSC; resolves with its port and the PDUs the client sent it. */
async function unrulySmsc(t: Parameters<typeof cleanup>[0], script: Script): Promise<{ port: number; received: Pdu[] }> {
  const received: Pdu[] = [];
  const sockets = new Set<net.Socket>();
  let submits = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reader = new FrameReader(65_536);
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let frame = reader.next(); frame !== null; frame = reader.next()) {
        const pdu = decodePdu(frame);
        received.push(pdu);
        if (pdu.command === 'bind_transceiver') {
          socket.write(encodeCStringResponse(pdu.commandId | RESPONSE, pdu.sequence, 'unruly'));
          script.afterBind(socket);
        } else if (pdu.commandId === SUBMIT_SM) {
          script.onSubmit(socket, pdu, ++submits);
        } else if (pdu.command === 'unbind') {
          socket.end(encodeHeaderOnly(pdu.commandId | RESPONSE, 0, pdu.sequence));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup(t)(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, received };
}

const accept = (socket: net.Socket, pdu: Pdu, n: number): void => void socket.write(encodeCStringResponse(pdu.commandId | RESPONSE, pdu.sequence, `m${n}`));

test('requests the load test cannot read or does not serve are refused with generic_nack, and the run goes on', async (t) => {
  const { port, received } = await unrulySmsc(t, {
    afterBind(socket) {
      // cancel_sm: a request an ESME does not serve.
      socket.write(encodePdu('cancel_sm', 901, { message_id: 'x', source_addr: '1', destination_addr: '2' }));
      // A deliver_sm whose short_message runs past the end of the PDU.
      const bad = encodePdu('deliver_sm', 902, { source_addr: '1', destination_addr: '2', short_message: Buffer.from('id:1 stat:DELIVRD') });
      bad[bad.length - 18] = 200; // sm_length
      socket.write(bad);
      // alert_notification takes no response at all.
      socket.write(encodePdu('alert_notification', 903, { source_addr: '1', esme_addr: '2' }));
    },
    onSubmit: accept,
  });
  const report = await runLoadtest({ port, systemId: 'any', password: 'any', count: 20, registeredDelivery: 0 });
  assert.deepEqual([report.submitted, report.accepted, report.complete], [20, 20, true]);
  const nacks = received.filter((p) => p.commandId === GENERIC_NACK).map((p) => [p.sequence, p.status]);
  assert.deepEqual(nacks, [
    [901, Status.ESME_RINVCMDID],
    [902, Status.ESME_RINVCMDLEN],
  ]);
});

test('a submit_sm_resp the load test cannot read ends the run with a message naming it', async (t) => {
  const { port } = await unrulySmsc(t, {
    afterBind: () => undefined,
    onSubmit(socket, pdu, n) {
      if (n < 5) return accept(socket, pdu, n);
      // message_id without its terminating NUL.
      const whole = encodeCStringResponse(pdu.commandId | RESPONSE, pdu.sequence, 'abc');
      const bad = Buffer.from(whole.subarray(0, whole.length - 1));
      bad.writeUInt32BE(bad.length, 0);
      socket.write(bad);
    },
  });
  await assert.rejects(runLoadtest({ port, systemId: 'any', password: 'any', count: 10, registeredDelivery: 0 }), (err: unknown) => {
    assert.ok(err instanceof LoadtestError, `wanted a LoadtestError, had ${String(err)}`);
    assert.match(err.message, /^bind 1 to 127\.0\.0\.1:\d+ was closed: it sent an unreadable response: submit_sm_resp: .*NUL/);
    assert.equal(err.report?.accepted, 4, 'the report so far');
    return true;
  });
});

test('a command_length under 16 ends the run: the stream can no longer be framed', async (t) => {
  const { port } = await unrulySmsc(t, {
    afterBind: () => undefined,
    onSubmit(socket, pdu, n) {
      if (n < 3) return accept(socket, pdu, n);
      socket.write(Buffer.from([0, 0, 0, 8, 0, 0, 0, 0]));
    },
  });
  await assert.rejects(runLoadtest({ port, systemId: 'any', password: 'any', count: 10, registeredDelivery: 0 }), (err: unknown) => {
    assert.ok(err instanceof LoadtestError, `wanted a LoadtestError, had ${String(err)}`);
    assert.match(err.message, /was closed: it sent an unreadable PDU: command_length 8 is shorter than a PDU header/);
    return true;
  });
});
