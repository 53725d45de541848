import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Charset,
  type DefaultAlphabet,
  charsetOf,
  decodeText,
  encodeGsm7,
  encodeUcs2,
  fitsOneSms,
  gsm7Septets,
  isValidUcs2Length,
  SMS_OCTETS,
} from '../../src/smpp/text.js';

/** Hex of a buffer for readable failure messages. */
function hex(buffer: Buffer | null): string {
  return buffer === null ? 'null' : buffer.toString('hex');
}

describe('charsetOf', () => {
  const cases: [dataCoding: number, defaultAlphabet: DefaultAlphabet, want: Charset | undefined][] = [
    // SMPP 3.4 §5.2.19
    [0x00, 'gsm', 'gsm7'],
    [0x00, 'ascii', 'ascii'],
    [0x00, 'latin1', 'latin1'],
    [0x01, 'gsm', 'ascii'],
    [0x02, 'gsm', 'binary'],
    [0x03, 'gsm', 'latin1'],
    [0x04, 'gsm', 'binary'],
    [0x05, 'gsm', 'other'],
    [0x06, 'gsm', 'cyrillic'],
    [0x07, 'gsm', 'hebrew'],
    [0x08, 'gsm', 'ucs2'],
    [0x09, 'gsm', 'other'],
    [0x0a, 'gsm', 'other'],
    [0x0b, 'gsm', undefined],
    [0x0c, 'gsm', undefined],
    [0x0d, 'gsm', 'other'],
    [0x0e, 'gsm', 'other'],
    [0x0f, 'gsm', undefined],
    // 3GPP TS 23.038 §4 general data coding, group 00xx: the SMSC default alphabet setting does not apply
    [0x10, 'ascii', 'gsm7'],
    [0x11, 'gsm', 'gsm7'],
    [0x13, 'gsm', 'gsm7'],
    [0x14, 'gsm', 'binary'],
    [0x16, 'gsm', 'binary'],
    [0x18, 'gsm', 'ucs2'],
    [0x1a, 'gsm', 'ucs2'],
    [0x1c, 'gsm', undefined],
    [0x1f, 'gsm', undefined],
    // bit 5: compressed
    [0x20, 'gsm', 'other'],
    [0x38, 'gsm', 'other'],
    [0x3f, 'gsm', 'other'],
    // group 01xx: marked for automatic deletion
    [0x40, 'gsm', 'gsm7'],
    [0x44, 'gsm', 'binary'],
    [0x48, 'gsm', 'ucs2'],
    [0x4c, 'gsm', undefined],
    [0x51, 'gsm', 'gsm7'],
    [0x60, 'gsm', 'other'],
    [0x7f, 'gsm', 'other'],
    // 1000..1011: reserved coding groups
    [0x80, 'gsm', undefined],
    [0x9a, 'gsm', undefined],
    [0xbf, 'gsm', undefined],
    // message waiting indication groups
    [0xc0, 'gsm', 'gsm7'],
    [0xcf, 'gsm', 'gsm7'],
    [0xd0, 'gsm', 'gsm7'],
    [0xdf, 'gsm', 'gsm7'],
    [0xe0, 'gsm', 'ucs2'],
    [0xef, 'gsm', 'ucs2'],
    // 1111: data coding / message class
    [0xf0, 'gsm', 'gsm7'],
    [0xf1, 'gsm', 'gsm7'],
    [0xf3, 'gsm', 'gsm7'],
    [0xf4, 'gsm', 'binary'],
    [0xf5, 'gsm', 'binary'],
    [0xf8, 'gsm', 'gsm7'], // reserved bit 3 ignored
    [0xff, 'gsm', 'binary'],
    // not an octet
    [-1, 'gsm', undefined],
    [0x100, 'gsm', undefined],
    [1.5, 'gsm', undefined],
  ];
  for (const [dataCoding, defaultAlphabet, want] of cases) {
    it(`data_coding 0x${dataCoding.toString(16)} with default ${defaultAlphabet} is ${want ?? 'reserved'}`, () => {
      assert.equal(
        charsetOf(dataCoding, defaultAlphabet),
        want,
        `wanted data_coding ${dataCoding} (default ${defaultAlphabet}) to be ${want ?? 'undefined (reserved)'}`,
      );
    });
  }
});

describe('decodeText', () => {
  const cases: [name: string, dataCoding: number, bytes: Buffer, defaultAlphabet: DefaultAlphabet, want: string | null][] = [
    ['GSM empty', 0x00, Buffer.alloc(0), 'gsm', ''],
    [
      'GSM Hello',
      0x00,
      Buffer.from([
        0x48, // H
        0x65, // e
        0x6c, // l
        0x6c, // l
        0x6f, // o
      ]),
      'gsm',
      'Hello',
    ],
    [
      'GSM @$_ sit where ASCII does not',
      0x00,
      Buffer.from([
        0x00, // @
        0x02, // $
        0x11, // _
      ]),
      'gsm',
      '@$_',
    ],
    ['GSM 0x24 is the currency sign', 0x00, Buffer.from([0x24 /* ¤ */]), 'gsm', '¤'],
    [
      'GSM national letters',
      0x00,
      Buffer.from([
        0x7b, // ä
        0x5c, // Ö
        0x1e, // ß
        0x7f, // à
        0x10, // Δ
      ]),
      'gsm',
      'äÖßàΔ',
    ],
    [
      'GSM € via escape',
      0x00,
      Buffer.from([
        0x1b, // ESC
        0x65, // €
      ]),
      'gsm',
      '€',
    ],
    [
      'GSM whole extension table',
      0x00,
      Buffer.from([
        0x1b, 0x0a, // form feed
        0x1b, 0x14, // ^
        0x1b, 0x28, // {
        0x1b, 0x29, // }
        0x1b, 0x2f, // \
        0x1b, 0x3c, // [
        0x1b, 0x3d, // ~
        0x1b, 0x3e, // ]
        0x1b, 0x40, // |
        0x1b, 0x65, // €
      ]),
      'gsm',
      '\f^{}\\[~]|€',
    ],
    [
      'GSM unknown escape decodes as the base character',
      0x00,
      Buffer.from([
        0x1b, // ESC
        0x41, // A (not in the extension table)
      ]),
      'gsm',
      'A',
    ],
    [
      'GSM ESC ESC decodes as a space',
      0x00,
      Buffer.from([
        0x1b, // ESC
        0x1b, // ESC (reserved further extension)
        0x41, // A
      ]),
      'gsm',
      ' A',
    ],
    [
      'GSM trailing ESC decodes as a space',
      0x00,
      Buffer.from([
        0x41, // A
        0x1b, // ESC with nothing after it
      ]),
      'gsm',
      'A ',
    ],
    [
      'GSM octet above 0x7F is U+FFFD',
      0x00,
      Buffer.from([
        0x41, // A
        0x80, // not a septet
      ]),
      'gsm',
      'A\ufffd',
    ],
    ['GSM through a class coding (0xF0)', 0xf0, Buffer.from([0x00 /* @ */]), 'ascii', '@'],
    ['GSM through a message waiting coding (0xC0)', 0xc0, Buffer.from([0x02 /* $ */]), 'ascii', '$'],
    [
      'data_coding 0 as ASCII',
      0x00,
      Buffer.from([
        0x40, // @
        0x24, // $
        0x5f, // _
      ]),
      'ascii',
      '@$_',
    ],
    [
      'IA5 @$_ whatever the default alphabet',
      0x01,
      Buffer.from([
        0x40, // @
        0x24, // $
        0x5f, // _
      ]),
      'gsm',
      '@$_',
    ],
    [
      'IA5 octet above 0x7F is U+FFFD',
      0x01,
      Buffer.from([
        0x41, // A
        0xe4, // not IA5
      ]),
      'gsm',
      'A\ufffd',
    ],
    [
      'Latin-1',
      0x03,
      Buffer.from([
        0xe4, // ä
        0xa3, // £
        0x40, // @
      ]),
      'gsm',
      'ä£@',
    ],
    ['data_coding 0 as Latin-1', 0x00, Buffer.from([0xe4 /* ä */]), 'latin1', 'ä'],
    [
      'UCS2',
      0x08,
      Buffer.from([
        0x00, 0xe4, // ä
        0x20, 0xac, // €
        0x04, 0x16, // Ж
      ]),
      'gsm',
      'ä€Ж',
    ],
    [
      'UCS2 emoji surrogate pair',
      0x08,
      Buffer.from([
        0xd8, 0x3d, // high surrogate
        0xde, 0x00, // low surrogate: U+1F600
      ]),
      'gsm',
      '😀',
    ],
    [
      'UCS2 odd trailing octet is ignored',
      0x08,
      Buffer.from([
        0x00, 0x41, // A
        0x00, // dangling half
      ]),
      'gsm',
      'A',
    ],
    ['UCS2 through 23.038 group (0x18)', 0x18, Buffer.from([0x00, 0x41 /* A */]), 'gsm', 'A'],
    ['UCS2 through message waiting (0xE0)', 0xe0, Buffer.from([0x00, 0x42 /* B */]), 'gsm', 'B'],
    [
      'Cyrillic ISO-8859-5',
      0x06,
      Buffer.from([
        0xb0, // А
        0xd0, // а
        0xf0, // №
      ]),
      'gsm',
      'Аа№',
    ],
    [
      'Hebrew ISO-8859-8',
      0x07,
      Buffer.from([
        0xe0, // א
        0xfa, // ת
        0xaa, // ×
      ]),
      'gsm',
      'את×',
    ],
    ['binary 0x02', 0x02, Buffer.from([0x01, 0x02]), 'gsm', null],
    ['binary 0x04', 0x04, Buffer.from([0x01, 0x02]), 'gsm', null],
    ['binary 0xF4', 0xf4, Buffer.from([0x01, 0x02]), 'gsm', null],
    ['JIS is other', 0x05, Buffer.from([0x30, 0x22]), 'gsm', null],
    ['compressed is other', 0x20, Buffer.from([0x41]), 'gsm', null],
    ['reserved 0x0B', 0x0b, Buffer.from([0x41]), 'gsm', null],
    ['reserved group 0x80', 0x80, Buffer.from([0x41]), 'gsm', null],
  ];
  for (const [name, dataCoding, bytes, defaultAlphabet, want] of cases) {
    it(name, () => {
      assert.equal(
        decodeText(dataCoding, bytes, defaultAlphabet),
        want,
        `wanted ${hex(bytes)} under data_coding ${dataCoding} (default ${defaultAlphabet}) to decode as ${JSON.stringify(want)}`,
      );
    });
  }

  it('round-trips every GSM septet through encodeGsm7', () => {
    const septets = Buffer.from([...Array(0x80).keys()].filter((s) => s !== 0x1b));
    const text = decodeText(0x00, septets, 'gsm');
    assert.notEqual(text, null, 'wanted the whole base table to decode');
    assert.equal(hex(encodeGsm7(text ?? '')), hex(septets), 'wanted encodeGsm7 to give back every base septet');
  });
});

describe('encodeGsm7', () => {
  const cases: [text: string, want: Buffer | null][] = [
    ['', Buffer.alloc(0)],
    [
      '@$_',
      Buffer.from([
        0x00, // @
        0x02, // $
        0x11, // _
      ]),
    ],
    [
      'Hi!',
      Buffer.from([
        0x48, // H
        0x69, // i
        0x21, // !
      ]),
    ],
    ['ä', Buffer.from([0x7b /* ä */])],
    [
      '€',
      Buffer.from([
        0x1b, // ESC
        0x65, // €
      ]),
    ],
    [
      '\f^{}\\[~]|',
      Buffer.from([
        0x1b, 0x0a, // form feed
        0x1b, 0x14, // ^
        0x1b, 0x28, // {
        0x1b, 0x29, // }
        0x1b, 0x2f, // \
        0x1b, 0x3c, // [
        0x1b, 0x3d, // ~
        0x1b, 0x3e, // ]
        0x1b, 0x40, // |
      ]),
    ],
    [
      'a\r\n',
      Buffer.from([
        0x61, // a
        0x0d, // CR
        0x0a, // LF
      ]),
    ],
    ['ç', null], // only capital Ç is in the table
    ['`', null],
    ['😀', null],
    ['Ж', null],
    ['\ud83d', null], // lone surrogate
  ];
  for (const [text, want] of cases) {
    it(`encodes ${JSON.stringify(text)}`, () => {
      assert.equal(hex(encodeGsm7(text)), hex(want), `wanted ${JSON.stringify(text)} to encode as ${hex(want)}`);
    });
  }
});

describe('gsm7Septets', () => {
  const cases: [text: string, want: number | null][] = [
    ['', 0],
    ['abc', 3],
    ['@$_', 3],
    ['€', 2],
    ['a€[', 5],
    ['x'.repeat(160), 160],
    ['ç', null],
    ['hi 😀', null],
  ];
  for (const [text, want] of cases) {
    it(`counts ${JSON.stringify(text.length > 20 ? `${text.slice(0, 10)}…` : text)}`, () => {
      assert.equal(gsm7Septets(text), want, `wanted ${JSON.stringify(text)} to take ${want} septets`);
    });
  }
});

describe('encodeUcs2', () => {
  const cases: [text: string, want: Buffer][] = [
    ['', Buffer.alloc(0)],
    ['A', Buffer.from([0x00, 0x41 /* A */])],
    [
      'ä€',
      Buffer.from([
        0x00, 0xe4, // ä
        0x20, 0xac, // €
      ]),
    ],
    [
      '😀',
      Buffer.from([
        0xd8, 0x3d, // high surrogate
        0xde, 0x00, // low surrogate
      ]),
    ],
  ];
  for (const [text, want] of cases) {
    it(`encodes ${JSON.stringify(text)}`, () => {
      assert.equal(hex(encodeUcs2(text)), hex(want), `wanted ${JSON.stringify(text)} as UTF-16BE ${hex(want)}`);
      assert.equal(decodeText(0x08, encodeUcs2(text), 'gsm'), text, `wanted ${JSON.stringify(text)} to round-trip`);
    });
  }
});

describe('fitsOneSms', () => {
  const cases: [charset: Charset, udhOctets: number, bodyLength: number, want: boolean][] = [
    ['gsm7', 0, 160, true],
    ['gsm7', 0, 161, false],
    ['gsm7', 6, 153, true], // concat 8-bit UDH: 6 octets = 48 bits = 7 septets
    ['gsm7', 6, 154, false],
    ['gsm7', 7, 152, true], // concat 16-bit UDH: 7 octets = 56 bits = 8 septets
    ['gsm7', 7, 153, false],
    ['ascii', 0, 160, true],
    ['ascii', 0, 161, false],
    ['ascii', 6, 153, true],
    ['ascii', 6, 154, false],
    ['ucs2', 0, 140, true],
    ['ucs2', 0, 141, false],
    ['ucs2', 6, 134, true],
    ['ucs2', 6, 135, false],
    ['binary', 0, SMS_OCTETS, true],
    ['binary', 7, 134, false],
    ['latin1', 0, 140, true],
    ['latin1', 0, 141, false],
    ['cyrillic', 0, 141, false],
    ['other', 0, 0, true],
  ];
  for (const [charset, udhOctets, bodyLength, want] of cases) {
    it(`${charset} with ${udhOctets} UDH octets and ${bodyLength} body octets ${want ? 'fits' : 'does not fit'}`, () => {
      assert.equal(
        fitsOneSms(charset, udhOctets, Buffer.alloc(bodyLength)),
        want,
        `wanted ${charset} with UDH ${udhOctets} + body ${bodyLength} to ${want ? 'fit' : 'not fit'} one SMS`,
      );
    });
  }
});

describe('isValidUcs2Length', () => {
  const cases: [length: number, want: boolean][] = [
    [0, true],
    [2, true],
    [3, false],
    [140, true],
  ];
  for (const [length, want] of cases) {
    it(`${length} octets is ${want ? 'valid' : 'invalid'}`, () => {
      assert.equal(isValidUcs2Length(Buffer.alloc(length)), want, `wanted ${length} UCS2 octets to be ${want ? 'valid' : 'invalid'}`);
    });
  }
});
