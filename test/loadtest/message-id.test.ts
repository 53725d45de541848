/** Message id keys and conversions for receipt matching (SMPP 3.4 §5.2.23: ids are opaque C-strings). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertMessageId, messageIdKey, reverseConversion } from '../../src/loadtest/message-id.js';

test('messageIdKey: hex-digit ids ignore case and leading zeros; other ids are opaque', () => {
  const table: Array<[string, string]> = [
    ['3f9a1c2e0000000000a7', '3f9a1c2e0000000000a7'],
    ['3F9A1C2E0000000000A7', '3f9a1c2e0000000000a7'],
    ['000A1', 'a1'],
    ['00123', '123'],
    ['123', '123'],
    ['0', '0'],
    ['0000', '0'],
    // Not hex: opaque, so case and zeros are kept (base64-like ids differ by case).
    ['aB3x', 'aB3x'],
    ['007-XYZ', '007-XYZ'],
    ['6f1c-4a', '6f1c-4a'],
  ];
  for (const [id, want] of table) assert.equal(messageIdKey(id), want, `messageIdKey(${JSON.stringify(id)})`);
});

test('convertMessageId: the same number in the other base, or null when the id is not in the base read', () => {
  const table: Array<[string, 'decimalToHex' | 'hexToDecimal', string | null]> = [
    ['26', 'decimalToHex', '1a'],
    ['0026', 'decimalToHex', '1a'],
    ['1a', 'decimalToHex', null],
    ['1A', 'hexToDecimal', '26'],
    ['26', 'hexToDecimal', '38'],
    ['ffffffffffffffffffff', 'hexToDecimal', '1208925819614629174706175'],
    ['1208925819614629174706175', 'decimalToHex', 'ffffffffffffffffffff'],
    ['abc-1', 'hexToDecimal', null],
    ['abc-1', 'decimalToHex', null],
  ];
  for (const [id, conversion, want] of table) {
    assert.equal(convertMessageId(id, conversion), want, `convertMessageId(${JSON.stringify(id)}, ${conversion})`);
  }
  assert.equal(reverseConversion('decimalToHex'), 'hexToDecimal');
  assert.equal(reverseConversion('hexToDecimal'), 'decimalToHex');
});
