/**
 * Configuration loading (SPEC §9, STYLE "Configuration flows one way"): defaults → --config file →
 * SMSCD_* environment → overrides, validated into a frozen Config; bad input names its key.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultConfigFile, loadConfig, type ConfigSources } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'smscd-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let fileNumber = 0;
/** Writes `content` (an object as JSON, or raw text) to a fresh file and returns its path. */
function configFile(content: unknown): string {
  const path = join(dir, `config-${++fileNumber}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Asserts that loading throws a ConfigError whose key and message name `key`. */
function assertRefused(sources: ConfigSources, key: string, what: string): void {
  assert.throws(
    () => loadConfig(sources),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `${what}: wanted a ConfigError, had ${String(err)}`);
      assert.equal(err.key, key, `${what}: wanted key ${key}, had ${err.key}`);
      assert.ok(err.message.includes(key), `${what}: wanted the message to name ${key}, had "${err.message}"`);
      return true;
    },
    `${what}: wanted a ConfigError naming ${key}, had none`,
  );
}

describe('loadConfig', () => {
  test('defaults load and equal config/default.json', () => {
    const config = loadConfig({ env: {} });
    const defaults = JSON.parse(readFileSync(defaultConfigFile, 'utf8')) as unknown;
    assert.deepEqual(JSON.parse(JSON.stringify(config)), defaults);
    assert.equal(config.smpp.port, 2775);
    assert.equal(config.smpp.systemId, 'smscd');
    assert.equal(config.store.synchronous, 'FULL');
    assert.equal(config.store.path, './data/smscd.db');
  });

  test('a --config file merges over the defaults, keeping the keys it does not name', () => {
    const file = configFile({ smpp: { port: 2776, window: 10 }, log: { level: 'warn' } });
    const config = loadConfig({ file, env: {} });
    assert.equal(config.smpp.port, 2776);
    assert.equal(config.smpp.window, 10);
    assert.equal(config.log.level, 'warn');
    // Siblings in the same section and other sections keep their defaults.
    assert.equal(config.smpp.systemId, 'smscd', `wanted smpp.systemId kept at "smscd", had ${config.smpp.systemId}`);
    assert.equal(config.smpp.idleTimeoutSec, 120);
    assert.equal(config.smpp.host, '0.0.0.0');
    assert.equal(config.store.synchronous, 'FULL');
    assert.equal(config.demo.systemId, 'demo');
  });

  test('SMSCD_SMPP_PORT=0 and SMSCD_SMPP_IDLE_TIMEOUT_SEC=5 override defaults and the file', () => {
    const file = configFile({ smpp: { port: 2776, idleTimeoutSec: 60 } });
    const config = loadConfig({ file, env: { SMSCD_SMPP_PORT: '0', SMSCD_SMPP_IDLE_TIMEOUT_SEC: '5', PATH: '/usr/bin' } });
    assert.equal(config.smpp.port, 0, `wanted smpp.port 0 from the environment, had ${config.smpp.port}`);
    assert.equal(config.smpp.idleTimeoutSec, 5, `wanted smpp.idleTimeoutSec 5 from the environment, had ${config.smpp.idleTimeoutSec}`);
    assert.equal(config.smpp.systemId, 'smscd');
  });

  test('string settings can come from the environment', () => {
    const config = loadConfig({ env: { SMSCD_STORE_SYNCHRONOUS: 'NORMAL', SMSCD_SMPP_SYSTEM_ID: 'other' } });
    assert.equal(config.store.synchronous, 'NORMAL');
    assert.equal(config.smpp.systemId, 'other');
  });

  test('a string setting whose value looks like a number or JSON stays a string from the environment', () => {
    const config = loadConfig({ env: { SMSCD_SMPP_SYSTEM_ID: '12345', SMSCD_STORE_PATH: 'null' } });
    assert.equal(config.smpp.systemId, '12345', `wanted smpp.systemId "12345", had ${JSON.stringify(config.smpp.systemId)}`);
    assert.equal(config.store.path, 'null', `wanted store.path "null", had ${JSON.stringify(config.store.path)}`);
  });

  test('overrides win over the environment and the file', () => {
    const file = configFile({ smpp: { port: 2776 } });
    const config = loadConfig({ file, env: { SMSCD_SMPP_PORT: '2777' }, overrides: { 'smpp.port': 2778 } });
    assert.equal(config.smpp.port, 2778, `wanted the override 2778, had ${config.smpp.port}`);
  });

  test('an override of undefined (a flag not given) leaves the value alone', () => {
    const config = loadConfig({ env: { SMSCD_SMPP_PORT: '2777' }, overrides: { 'smpp.port': undefined } });
    assert.equal(config.smpp.port, 2777);
  });

  test('the result is frozen, sections included', () => {
    const config = loadConfig({ env: {} });
    assert.ok(Object.isFrozen(config), 'wanted the config frozen');
    assert.ok(Object.isFrozen(config.smpp), 'wanted config.smpp frozen');
    assert.ok(Object.isFrozen(config.store), 'wanted config.store frozen');
    assert.throws(() => {
      (config.smpp as { port: number }).port = 1;
    }, TypeError);
    assert.equal(config.smpp.port, 2775);
  });

  describe('bad values throw a ConfigError naming the key', () => {
    test('smpp.port 70000 in the file', () => {
      assertRefused({ file: configFile({ smpp: { port: 70000 } }), env: {} }, 'smpp.port', 'port 70000');
    });

    test('store.synchronous "SOMETIMES" in the file', () => {
      assertRefused({ file: configFile({ store: { synchronous: 'SOMETIMES' } }), env: {} }, 'store.synchronous', 'synchronous SOMETIMES');
    });

    test('a string where a number is wanted (file)', () => {
      assertRefused({ file: configFile({ smpp: { window: 'ten' } }), env: {} }, 'smpp.window', 'window "ten"');
    });

    test('a string where a number is wanted (environment)', () => {
      assertRefused({ env: { SMSCD_SMPP_IDLE_TIMEOUT_SEC: 'soon' } }, 'smpp.idleTimeoutSec', 'SMSCD_SMPP_IDLE_TIMEOUT_SEC=soon');
    });

    test('a negative port from the environment', () => {
      assertRefused({ env: { SMSCD_SMPP_PORT: '-1' } }, 'smpp.port', 'SMSCD_SMPP_PORT=-1');
    });

    test('a bad override', () => {
      assertRefused({ env: {}, overrides: { 'smpp.port': 70000 } }, 'smpp.port', 'override smpp.port 70000');
    });

    test('an unknown key in the file', () => {
      assertRefused({ file: configFile({ smpp: { prot: 2775 } }), env: {} }, 'smpp.prot', 'unknown key smpp.prot');
    });

    test('an unknown section in the file', () => {
      assertRefused({ file: configFile({ smtpp: { port: 1 } }), env: {} }, 'smtpp', 'unknown section smtpp');
    });

    test('an unknown SMSCD_ environment variable', () => {
      assertRefused({ env: { SMSCD_SMPP_PROT: '1' } }, 'SMSCD_SMPP_PROT', 'unknown SMSCD_SMPP_PROT');
    });

    test('a file that is not JSON', () => {
      const file = configFile('{ "smpp": ');
      assert.throws(() => loadConfig({ file, env: {} }), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `wanted a ConfigError, had ${String(err)}`);
        assert.ok(err.message.includes(file), `wanted the message to name ${file}, had "${err.message}"`);
        return true;
      });
    });

    test('a file that does not exist', () => {
      const file = join(dir, 'missing.json');
      assert.throws(() => loadConfig({ file, env: {} }), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `wanted a ConfigError, had ${String(err)}`);
        assert.ok(err.message.includes(file), `wanted the message to name ${file}, had "${err.message}"`);
        return true;
      });
    });
  });
});

test('a setting whose value is an object is replaced whole by the file, not merged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smscd-cfg-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ simulator: { outcomes: { delivered: 1 } }, smpp: { port: 2776 } }));
  const config = loadConfig({ file, env: {} });
  assert.deepEqual({ ...config.simulator.outcomes }, { delivered: 1 });
  assert.equal(config.smpp.port, 2776);
  assert.equal(config.smpp.window, 256, 'other keys of the section keep their defaults');
});
