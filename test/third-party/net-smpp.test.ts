// A client we did not write: Perl's Net::SMPP (Debian libnet-smpp-perl) binds, submits with a
// receipt requested and reads the receipt in synchronous mode, which drops any PDU that arrives
// while it waits for a response. So this also checks that submit_sm_resp precedes the receipt.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startApp } from '../helpers/app.js';

/** The Perl script is not compiled: from dist/test/third-party back to test/third-party. */
const SCRIPT = fileURLToPath(new URL('../../../test/third-party/net-smpp.pl', import.meta.url));

interface PerlResult {
  message_id: string;
  esm_class: number;
  short_message: string;
  receipted_message_id: string | null;
  message_state: number | null;
  network_error_code: string | null;
}

function netSmppMissing(): string | null {
  const probe = spawnSync('perl', ['-MNet::SMPP', '-e1'], { encoding: 'utf8' });
  if (probe.error) return `perl cannot be run (${probe.error.message})`;
  return probe.status === 0 ? null : probe.stderr.trim().split('\n')[0] ?? 'perl -MNet::SMPP -e1 failed';
}

function runPerl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('perl', [SCRIPT, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('Net::SMPP: transceiver submit, then the receipt with its TLVs', async () => {
  const missing = netSmppMissing();
  // CI installs it (.ci/run); a machine without it must not pass this test silently.
  assert.equal(missing, null, `Net::SMPP is not installed (${missing}): run \`apt-get install libnet-smpp-perl\``);

  const t = await startApp({ 'simulator.delayMs': [0, 50], 'simulator.outcomes': { delivered: 1 } });
  try {
    t.addAccount('perl', 'perlpw');
    const run = await runPerl(['127.0.0.1', String(t.port), 'perl', 'perlpw']);
    assert.equal(run.code, 0, `net-smpp.pl exited with ${run.code}:\n${run.stderr}\n${run.stdout}`);
    const line = run.stdout.trim().split('\n').pop() ?? '';
    const r = JSON.parse(line) as PerlResult;

    assert.ok(r.message_id.length > 0, 'message_id is empty');
    assert.equal(r.esm_class & 0x04, 0x04, `esm_class 0x${r.esm_class.toString(16)} lacks the receipt bit`);
    const id = r.message_id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(
      r.short_message,
      new RegExp(`^id:${id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:Hello from Net::SMPP$`),
    );
    assert.equal(r.receipted_message_id, r.message_id);
    assert.equal(r.message_state, 2);
    assert.equal(r.network_error_code, '030000');
  } finally {
    await t.stop();
  }
});
