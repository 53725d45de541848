import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Concat, concatFromSar, SarError, splitUserData, UdhError } from '../../src/smpp/udh.js';

/** Hex of a buffer (or null) for comparisons with readable failure messages. */
function hex(buffer: Buffer | null): string | null {
  return buffer === null ? null : buffer.toString('hex');
}

describe('splitUserData', () => {
  const ok: [name: string, message: Buffer, hasUdh: boolean, udh: string | null, body: string, concat: Concat | null][] = [
    ['no UDHI: everything is body', Buffer.from([0x05, 0x00, 0x03, 0x41]), false, null, '05000341', null],
    ['no UDHI, empty message', Buffer.alloc(0), false, null, '', null],
    [
      'concatenation, 8-bit reference',
      Buffer.from([
        0x05, // UDHL: 5 octets of header follow
        0x00, // IEI: concatenation, 8-bit reference
        0x03, // IEDL: 3
        0x2a, // reference 42
        0x03, // 3 segments
        0x02, // this is segment 2
        0x48, // H
        0x69, // i
      ]),
      true,
      '00032a0302',
      '4869',
      { ref: 42, total: 3, seq: 2 },
    ],
    [
      'concatenation, 16-bit reference',
      Buffer.from([
        0x06, // UDHL: 6
        0x08, // IEI: concatenation, 16-bit reference
        0x04, // IEDL: 4
        0x12, 0x34, // reference 0x1234
        0x02, // 2 segments
        0x02, // this is segment 2
        0x41, // A
      ]),
      true,
      '080412340202',
      '41',
      { ref: 0x1234, total: 2, seq: 2 },
    ],
    [
      'concatenation after another IE, empty body',
      Buffer.from([
        0x0b, // UDHL: 11
        0x05, // IEI: application port, 16-bit
        0x04, // IEDL: 4
        0x0b, 0x84, // destination port 2948
        0x23, 0xf0, // source port 9200
        0x00, // IEI: concatenation, 8-bit reference
        0x03, // IEDL: 3
        0x07, // reference 7
        0x01, // 1 segment
        0x01, // segment 1
      ]),
      true,
      '05040b8423f0000307' + '0101',
      '',
      { ref: 7, total: 1, seq: 1 },
    ],
    [
      'no concatenation IE',
      Buffer.from([
        0x03, // UDHL: 3
        0x24, // IEI: national language single shift
        0x01, // IEDL: 1
        0x01, // Turkish
        0x41, // A
      ]),
      true,
      '240101',
      '41',
      null,
    ],
    [
      'zero-length IE',
      Buffer.from([
        0x02, // UDHL: 2
        0x70, // IEI: (U)SIM toolkit security header
        0x00, // IEDL: 0
      ]),
      true,
      '7000',
      '',
      null,
    ],
    [
      'the last concatenation IE wins (23.040 §9.2.3.24)',
      Buffer.from([
        0x0b, // UDHL: 11
        0x00, // IEI: concatenation, 8-bit reference
        0x03, // IEDL: 3
        0x01, // reference 1
        0x02, // 2 segments
        0x01, // segment 1
        0x08, // IEI: concatenation, 16-bit reference
        0x04, // IEDL: 4
        0x01, 0x00, // reference 256
        0x05, // 5 segments
        0x04, // segment 4
      ]),
      true,
      '0003010201' + '080401000504',
      '',
      { ref: 256, total: 5, seq: 4 },
    ],
  ];
  for (const [name, message, hasUdh, udh, body, concat] of ok) {
    it(name, () => {
      const got = splitUserData(message, hasUdh);
      assert.equal(hex(got.udh), udh, `wanted UDH ${udh} from ${message.toString('hex')}`);
      assert.equal(hex(got.body), body, `wanted body ${body} from ${message.toString('hex')}`);
      assert.deepEqual(got.concat, concat, `wanted concat ${JSON.stringify(concat)} from ${message.toString('hex')}`);
    });
  }

  const bad: [name: string, message: Buffer, wantMessage: RegExp][] = [
    ['empty short_message', Buffer.alloc(0), /no UDHL/],
    ['UDHL 0', Buffer.from([0x00 /* UDHL: 0 */, 0x41 /* A */]), /UDHL is 0/],
    [
      'UDHL past the data',
      Buffer.from([
        0x05, // UDHL: 5, but only 3 octets follow
        0x00, // IEI
        0x03, // IEDL
        0x01, // reference
      ]),
      /UDHL 5 runs past the 3 octets/,
    ],
    [
      'IE without a length octet',
      Buffer.from([
        0x01, // UDHL: 1
        0x00, // IEI, then the header ends
      ]),
      /IE 0x00 at UDH offset 0 has no length octet/,
    ],
    [
      'IE length past the header',
      Buffer.from([
        0x03, // UDHL: 3
        0x00, // IEI: concatenation
        0x03, // IEDL: 3, but only 1 octet is left in the header
        0x01, // reference
        0x02, // body
        0x01, // body
      ]),
      /IE 0x00 at UDH offset 0 has length 3, past the 3-octet header/,
    ],
    [
      'second IE past the header',
      Buffer.from([
        0x05, // UDHL: 5
        0x24, // IEI: national language single shift
        0x01, // IEDL: 1
        0x01, // Turkish
        0x25, // IEI: national language locking shift
        0x02, // IEDL: 2, past the header
      ]),
      /IE 0x25 at UDH offset 3 has length 2/,
    ],
    [
      '8-bit concatenation with length 4',
      Buffer.from([
        0x06, // UDHL: 6
        0x00, // IEI: concatenation, 8-bit reference
        0x04, // IEDL: 4, wanted 3
        0x01, 0x02, 0x01, 0x00,
      ]),
      /concatenation IE 0x00 has length 4, wanted 3/,
    ],
    [
      '16-bit concatenation with length 3',
      Buffer.from([
        0x05, // UDHL: 5
        0x08, // IEI: concatenation, 16-bit reference
        0x03, // IEDL: 3, wanted 4
        0x01, 0x02, 0x01,
      ]),
      /concatenation IE 0x08 has length 3, wanted 4/,
    ],
    [
      'total 0',
      Buffer.from([
        0x05, // UDHL: 5
        0x00, // IEI: concatenation, 8-bit reference
        0x03, // IEDL: 3
        0x01, // reference 1
        0x00, // 0 segments
        0x01, // segment 1
      ]),
      /total segments is 0/,
    ],
    [
      'seq 0',
      Buffer.from([
        0x06, // UDHL: 6
        0x08, // IEI: concatenation, 16-bit reference
        0x04, // IEDL: 4
        0x00, 0x01, // reference 1
        0x02, // 2 segments
        0x00, // segment 0
      ]),
      /sequence number is 0/,
    ],
    [
      'seq past total',
      Buffer.from([
        0x05, // UDHL: 5
        0x00, // IEI: concatenation, 8-bit reference
        0x03, // IEDL: 3
        0x01, // reference 1
        0x02, // 2 segments
        0x03, // segment 3
      ]),
      /segment sequence number 3 is past total segments 2/,
    ],
  ];
  for (const [name, message, wantMessage] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => splitUserData(message, true),
        (err: unknown) => err instanceof UdhError && wantMessage.test(err.message),
        `wanted a UdhError matching ${wantMessage} for ${message.toString('hex')}`,
      );
    });
  }
});

describe('concatFromSar', () => {
  type Sar = [ref: number | undefined, total: number | undefined, seq: number | undefined];
  const ok: [sar: Sar, want: Concat | null][] = [
    [[undefined, undefined, undefined], null],
    [[0x1234, 3, 1], { ref: 0x1234, total: 3, seq: 1 }],
    [[0, 1, 1], { ref: 0, total: 1, seq: 1 }],
    [[65535, 255, 255], { ref: 65535, total: 255, seq: 255 }],
  ];
  for (const [sar, want] of ok) {
    it(`reads ${JSON.stringify(sar)}`, () => {
      assert.deepEqual(concatFromSar(...sar), want, `wanted ${JSON.stringify(want)} from SAR ${JSON.stringify(sar)}`);
    });
  }

  const bad: [sar: Sar, wantMessage: RegExp][] = [
    [[undefined, 3, 1], /missing sar_msg_ref_num$/],
    [[1, undefined, 1], /missing sar_total_segments$/],
    [[1, 3, undefined], /missing sar_segment_seqnum$/],
    [[1, undefined, undefined], /missing sar_total_segments, sar_segment_seqnum$/],
    [[undefined, undefined, 1], /missing sar_msg_ref_num, sar_total_segments$/],
    [[1, 0, 1], /sar_total_segments is 0/],
    [[1, 3, 0], /sar_segment_seqnum is 0/],
    [[1, 3, 4], /sar_segment_seqnum 4 is past sar_total_segments 3/],
  ];
  for (const [sar, wantMessage] of bad) {
    it(`refuses ${JSON.stringify(sar)}`, () => {
      assert.throws(
        () => concatFromSar(...sar),
        (err: unknown) => err instanceof SarError && wantMessage.test(err.message),
        `wanted a SarError matching ${wantMessage} for SAR ${JSON.stringify(sar)}`,
      );
    });
  }
});
