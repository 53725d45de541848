/**
 * Text codecs chosen by SMPP `data_coding` (SMPP 3.4 §5.2.19, 3GPP TS 23.038 §4).
 * The `smpp` package's own encoders mislabel the GSM alphabet as IA5 and read class/MWI codings
 * from the low nibble only, so short_message bytes are decoded and encoded here instead.
 */

/** How `data_coding` 0 ("SMSC default alphabet", SMPP 3.4 §5.2.19) is read. */
export type DefaultAlphabet = 'gsm' | 'ascii' | 'latin1';

/** The character set a `data_coding` value names. */
export type Charset = 'gsm7' | 'ascii' | 'latin1' | 'ucs2' | 'binary' | 'cyrillic' | 'hebrew' | 'other';

/** Octets of user data in one SMS (3GPP TS 23.040 §9.2.3.16: TP-UDL at most 140 octets). */
export const SMS_OCTETS = 140;

/** Septets of user data in one SMS when the 7-bit alphabet is used: 140 × 8 / 7. */
const SMS_SEPTETS = 160;

/** GSM 03.38 escape to the extension table (3GPP TS 23.038 §6.2.1). */
const ESC = 0x1b;

/**
 * GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1), indexed by septet. 0x1B is the escape and
 * never maps to a character on its own, so its slot holds a placeholder that the codec skips.
 */
const GSM_BASE: readonly string[] = [
  // 0x00–0x0F
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  // 0x10–0x1F (0x1B = ESC)
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u001b', 'Æ', 'æ', 'ß', 'É',
  // 0x20–0x2F (0x24 is the currency sign, not the dollar)
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  // 0x30–0x3F
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  // 0x40–0x4F
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  // 0x50–0x5F
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  // 0x60–0x6F
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  // 0x70–0x7F
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** GSM 7-bit default alphabet extension table (3GPP TS 23.038 §6.2.1.1): septet after ESC → character. */
const GSM_EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

/** Character → unpacked GSM octets (one, or ESC plus one for the extension table). */
const GSM_ENCODE: ReadonlyMap<string, readonly number[]> = new Map([
  ...GSM_BASE.flatMap((ch, septet): [string, number[]][] => (septet === ESC ? [] : [[ch, [septet]]])),
  ...[...GSM_EXTENSION].map(([septet, ch]): [string, number[]] => [ch, [ESC, septet]]),
]);

/**
 * The character set named by a `data_coding` value, or undefined for a reserved value that an SMSC
 * must refuse (ESME_RINVDCS).
 */
export function charsetOf(dataCoding: number, defaultAlphabet: DefaultAlphabet): Charset | undefined {
  if (!Number.isInteger(dataCoding) || dataCoding < 0 || dataCoding > 0xff) return undefined;
  if (dataCoding <= 0x0f) return smppCharset(dataCoding, defaultAlphabet);
  // SMPP 3.4 §5.2.19 lists 0x10 and above as reserved, but clients send the 3GPP TS 23.038 §4 coding
  // groups (message class, automatic deletion, message waiting) in practice, so they are read as 23.038.
  const group = dataCoding >> 4;
  if (group <= 0x07) return generalCharset(dataCoding);
  if (group <= 0x0b) return undefined; // 1000..1011: reserved coding groups (23.038 §4)
  if (group <= 0x0d) return 'gsm7'; // 1100 discard / 1101 store message waiting, default alphabet
  if (group === 0x0e) return 'ucs2'; // 1110 store message waiting, UCS2
  // 1111 data coding/message class: bit 2 picks the alphabet; bit 3 is reserved and ignored.
  return (dataCoding & 0x04) === 0 ? 'gsm7' : 'binary';
}

/** The SMPP 3.4 §5.2.19 meaning of data_coding 0x00–0x0F. */
function smppCharset(dataCoding: number, defaultAlphabet: DefaultAlphabet): Charset | undefined {
  switch (dataCoding) {
    case 0x00:
      return defaultAlphabet === 'gsm' ? 'gsm7' : defaultAlphabet;
    case 0x01: // IA5 (CCITT T.50) / ASCII
      return 'ascii';
    case 0x02: // octet unspecified (8-bit binary)
    case 0x04: // octet unspecified (8-bit binary)
      return 'binary';
    case 0x03: // Latin 1 (ISO-8859-1)
      return 'latin1';
    case 0x05: // JIS (X 0208-1990)
    case 0x09: // pictogram encoding
    case 0x0a: // ISO-2022-JP (music codes)
    case 0x0d: // extended Kanji JIS (X 0212-1990)
    case 0x0e: // KS C 5601
      return 'other';
    case 0x06: // Cyrillic (ISO-8859-5)
      return 'cyrillic';
    case 0x07: // Latin/Hebrew (ISO-8859-8)
      return 'hebrew';
    case 0x08: // UCS2 (ISO/IEC-10646)
      return 'ucs2';
    default: // 0x0B, 0x0C, 0x0F: reserved
      return undefined;
  }
}

/** The 23.038 §4 general data coding groups 00xx and 01xx (0x10–0x7F). */
function generalCharset(dataCoding: number): Charset | undefined {
  // Bit 5 set means the text is compressed (3GPP TS 23.042), which we cannot decode as any alphabet.
  if ((dataCoding & 0x20) !== 0) return 'other';
  switch ((dataCoding >> 2) & 0x03) {
    case 0:
      return 'gsm7';
    case 1:
      return 'binary';
    case 2:
      return 'ucs2';
    default: // 11: reserved alphabet
      return undefined;
  }
}

/** The text of `bytes` read in the character set of `dataCoding`, or null when it is not text (binary, other, reserved). */
export function decodeText(dataCoding: number, bytes: Buffer, defaultAlphabet: DefaultAlphabet): string | null {
  switch (charsetOf(dataCoding, defaultAlphabet)) {
    case 'gsm7':
      return decodeGsm7(bytes);
    case 'ascii':
      return decodeAscii(bytes);
    case 'latin1':
      return bytes.toString('latin1');
    case 'ucs2':
      return decodeUcs2(bytes);
    case 'cyrillic':
      return new TextDecoder('iso-8859-5').decode(bytes);
    case 'hebrew':
      return new TextDecoder('iso-8859-8').decode(bytes);
    default:
      return null;
  }
}

/**
 * Decodes the unpacked GSM 7-bit default alphabet (one septet per octet, as SMPP carries it).
 * Fallbacks, all per 3GPP TS 23.038 §6.2.1.1 unless noted:
 * - ESC + a septet missing from the extension table decodes as that septet's base character;
 * - ESC ESC (reserved for a further extension table) and a trailing lone ESC decode as a space;
 * - an octet above 0x7F is not a septet at all and decodes as U+FFFD (our choice, so it shows).
 */
function decodeGsm7(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const octet = bytes[i];
    if (octet !== ESC) {
      out += septetChar(octet);
      continue;
    }
    const next = bytes[i + 1];
    if (next === undefined || next === ESC) {
      out += ' ';
    } else {
      out += GSM_EXTENSION.get(next) ?? septetChar(next);
    }
    i++;
  }
  return out;
}

/** The base-table character of one unpacked septet, U+FFFD for an octet above 0x7F. */
function septetChar(octet: number): string {
  return GSM_BASE[octet] ?? '\ufffd';
}

/** Decodes IA5/ASCII; an octet above 0x7F is outside IA5 and decodes as U+FFFD. */
function decodeAscii(bytes: Buffer): string {
  let out = '';
  for (const octet of bytes) out += octet <= 0x7f ? String.fromCharCode(octet) : '\ufffd';
  return out;
}

/** Decodes UCS2 as UTF-16BE, so surrogate pairs come through; an odd trailing octet is ignored. */
function decodeUcs2(bytes: Buffer): string {
  const even = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return even.swap16().toString('utf16le');
}

/** The unpacked GSM 7-bit default alphabet octets of `text` (extension characters as ESC + septet), or null when a character is not in the alphabet. */
export function encodeGsm7(text: string): Buffer | null {
  const octets: number[] = [];
  for (const ch of text) {
    const encoded = GSM_ENCODE.get(ch);
    if (encoded === undefined) return null;
    octets.push(...encoded);
  }
  return Buffer.from(octets);
}

/** The number of GSM 7-bit septets `text` takes (extension characters count two), or null when it is not representable. */
export function gsm7Septets(text: string): number | null {
  let septets = 0;
  for (const ch of text) {
    const encoded = GSM_ENCODE.get(ch);
    if (encoded === undefined) return null;
    septets += encoded.length;
  }
  return septets;
}

/** The UCS2 octets of `text`, written as UTF-16BE so characters outside the BMP keep their surrogate pairs. */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/**
 * Whether a UDH of `udhOctets` octets (its length octet included, 0 for none) and `body` fit in the
 * user data of one SMS.
 */
export function fitsOneSms(charset: Charset, udhOctets: number, body: Buffer): boolean {
  if (charset === 'gsm7' || charset === 'ascii') {
    // 7-bit on air but unpacked over SMPP (one octet per septet); the UDH is padded with fill bits
    // to a septet boundary (3GPP TS 23.040 §9.2.3.24), so it takes ceil(octets × 8 / 7) septets.
    return Math.ceil((udhOctets * 8) / 7) + body.length <= SMS_SEPTETS;
  }
  return udhOctets + body.length <= SMS_OCTETS;
}

/** Whether `body` has the even length that UCS2 (two octets per code unit) requires. */
export function isValidUcs2Length(body: Buffer): boolean {
  return body.length % 2 === 0;
}
