/**
 * Generates hostile HTTP input for the API fuzzer (test/fuzz/http-fuzz.test.ts): malformed JSON,
 * bodies over `http.bodyLimit`, a wrong type in every field of every route, wrong content types,
 * bad credentials, and raw-TCP garbage (request lines, headers, framing) that no HTTP client
 * library would send. Each case is a pure function of its Rng.
 */
import type { Rng } from './fuzz-run.js';

/**
 * What the answer must be. 'refused': a 4xx with a JSON error. 'any': the input may happen to be
 * valid, so 2xx is fine too — but never 5xx, and a 4xx still carries a JSON error.
 */
export type HttpExpect = 'refused' | 'any';

/** A request sent with fetch. */
export interface FetchCase {
  kind: 'fetch';
  name: string;
  expect: HttpExpect;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The server may reset the connection instead of reading all of it (bodies far over the limit). */
  mayReset?: boolean;
}

/** Octets written on a raw TCP connection, then half-closed. */
export interface RawCase {
  kind: 'raw';
  name: string;
  expect: HttpExpect;
  bytes: Buffer;
  /** At least one HTTP answer must come back (the input is a complete request the parser must refuse). */
  mustAnswer: boolean;
  /**
   * Node's HTTP server itself refuses this before fastify sees it, with a bare 4xx and no body
   * (400 for a missing Host, 417 for an unknown Expect): a 4xx without JSON is accepted here.
   */
  bareRefusal?: boolean;
}

export type HttpCase = FetchCase | RawCase;

/** The API's credentials for fuzz requests (a real account: handlers behind auth are reached). */
export interface FuzzAuth {
  bearer: string;
  basic: string;
}

const SMS_PATHS = ['/rest/smsmessaging/text', '/rest/smsmessaging/simple'];
const WHATSAPP_PATH = '/api/v1/whatsapp/messages';

/** A valid websms send (test: true, so validation runs without storing, unless `store`). */
export function validSmsBody(store = false): Record<string, unknown> {
  return {
    recipientAddressList: ['436991234567'],
    messageContent: 'fuzz',
    senderAddress: 'Fuzz',
    clientMessageId: 'fuzz-1',
    notificationCallbackUrl: 'http://127.0.0.1:9/dlr',
    test: !store,
    validityPeriode: 3600,
  };
}

function validWhatsAppBody(): Record<string, unknown> {
  return { recipient: '436991234567', text: 'fuzz', clientMessageId: 'fuzz-1', callbackUrl: 'http://127.0.0.1:9/wa' };
}

/** The JSON type each field takes (null allowed where the route allows it). */
type FieldKind = 'string' | 'nullable-string' | 'recipients' | 'boolean' | 'nullable-number' | 'msisdn';

const SMS_FIELDS: Record<string, FieldKind> = {
  recipientAddressList: 'recipients',
  messageContent: 'string',
  senderAddress: 'string',
  clientMessageId: 'nullable-string',
  notificationCallbackUrl: 'nullable-string',
  test: 'boolean',
  validityPeriode: 'nullable-number',
};

const WHATSAPP_FIELDS: Record<string, FieldKind> = {
  recipient: 'msisdn',
  text: 'string',
  clientMessageId: 'nullable-string',
  callbackUrl: 'nullable-string',
};

/** Values of every JSON type, boundary sizes and hostile strings. */
function oddValues(rng: Rng): unknown[] {
  let deep: unknown = 'x';
  for (let i = 0; i < rng.pick([10, 1000, 5000]); i++) deep = [deep];
  return [
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    -0,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    'x'.repeat(rng.pick([65, 1531, 4097, 20_000])),
    [],
    {},
    [null],
    [[]],
    [{}],
    [true],
    [1.5],
    [-436991234567],
    ['436991234567', 436991234567, '+436991234567'],
    Array.from({ length: rng.pick([2, 1001]) }, () => '436991234567'),
    { a: 1 },
    deep,
    '\u0000',
    '\ud800',
    '\udfff\ud800',
    '😀'.repeat(rng.int(1, 800)),
    '436991234567\n',
    '+',
    '00436991234567',
    '1'.repeat(21),
    'javascript:alert(1)',
    'http://',
    'http://[::1',
    'http://127.0.0.1:9/' + 'a'.repeat(rng.pick([10, 9000])),
    "'; DROP TABLE messages; --",
    '%s%n%x',
    '__proto__',
    '36e2',
  ];
}

/** Whether `value` is of the field's JSON type (so the route may accept it). */
function typeFits(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'nullable-string':
      return value === null || typeof value === 'string';
    case 'recipients':
      return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' || typeof v === 'number');
    case 'boolean':
      return typeof value === 'boolean';
    case 'nullable-number':
      return value === null || typeof value === 'number';
    case 'msisdn':
      return typeof value === 'string' || typeof value === 'number';
  }
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** One field of a valid body replaced by an odd value (or removed). */
function fieldCase(rng: Rng, auth: FuzzAuth): FetchCase {
  const sms = rng.chance(0.7);
  const fields = sms ? SMS_FIELDS : WHATSAPP_FIELDS;
  const body = sms ? validSmsBody(rng.chance(0.2)) : validWhatsAppBody();
  const name = rng.pick(Object.keys(fields));
  const kind = fields[name]!;
  const remove = rng.chance(0.1);
  const value = rng.pick(oddValues(rng));
  if (remove) delete body[name];
  else body[name] = value;
  // Some rounds change two fields.
  if (rng.chance(0.2)) {
    const other = rng.pick(Object.keys(fields));
    if (other !== name) body[other] = rng.pick(oddValues(rng));
  }
  const path = sms ? rng.pick(SMS_PATHS) : WHATSAPP_PATH;
  const wrongType = !remove && !typeFits(kind, value);
  return {
    kind: 'fetch',
    name: `${path} ${name} ${remove ? 'removed' : `= ${JSON.stringify(value)?.slice(0, 60)}`}`,
    expect: wrongType ? 'refused' : 'any',
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', authorization: rng.chance(0.5) ? auth.bearer : auth.basic },
    body: json(body),
  };
}

/** A body whose `field` is an array nested 30,000 deep (valid JSON, just under the default body limit). */
function deepJson(field: string): string {
  return `{"${field}":${'['.repeat(30_000)}${']'.repeat(30_000)},"messageContent":"x","text":"x"}`;
}

/** A valid body's JSON text mangled: cut, characters changed, inserted or dropped. */
function malformedJsonCase(rng: Rng, auth: FuzzAuth): FetchCase {
  let text = JSON.stringify(rng.chance(0.7) ? validSmsBody() : validWhatsAppBody());
  const ops = rng.int(1, 3);
  const what: string[] = [];
  for (let i = 0; i < ops; i++) {
    const at = rng.int(0, text.length);
    switch (rng.int(0, 5)) {
      case 0:
        text = text.slice(0, at);
        what.push(`cut at ${at}`);
        break;
      case 1:
        text = text.slice(0, at) + rng.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', 'NaN', 'undefined', '\ufeff', '\n', '/*']) + text.slice(at);
        what.push(`inserted at ${at}`);
        break;
      case 2:
        text = text.slice(0, at) + text.slice(at + 1);
        what.push(`dropped ${at}`);
        break;
      case 3:
        text = rng.pick(['', ' ', 'null', 'true', '0', '"x"', '[]', '[{}]', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":1,"a":2}', '['.repeat(30_000), '{"a":'.repeat(10_000), deepJson('recipientAddressList'), deepJson('senderAddress'), deepJson('recipient')]);
        what.push('replaced');
        break;
      case 4: {
        const bytes = Buffer.from(text);
        bytes[rng.int(0, Math.max(0, bytes.length - 1))] = rng.int(0x80, 0xff);
        text = bytes.toString('latin1');
        what.push('8-bit octet');
        break;
      }
      default:
        text = `${text}${text}`;
        what.push('doubled');
    }
  }
  const path = rng.chance(0.7) ? rng.pick(SMS_PATHS) : WHATSAPP_PATH;
  return {
    kind: 'fetch',
    name: `${path} malformed JSON (${what.join(', ')})`,
    expect: 'any',
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', authorization: auth.bearer },
    body: Buffer.from(text, 'latin1'),
  };
}

/** A body over the limit: 413 (or, far over it, the connection may be reset). */
function hugeBodyCase(rng: Rng, auth: FuzzAuth, bodyLimit: number): FetchCase {
  const size = rng.pick([bodyLimit + 1, bodyLimit + 100, 2 * bodyLimit, 1024 * 1024, 4 * 1024 * 1024]);
  const start = '{"recipientAddressList":["436991234567"],"messageContent":"';
  const body = Buffer.alloc(size, 0x61);
  body.write(start, 0);
  body.write('"}', size - 2);
  const path = rng.pick([...SMS_PATHS, WHATSAPP_PATH]);
  return { kind: 'fetch', name: `${path} body of ${size} octets`, expect: 'refused', method: 'POST', path, headers: { 'content-type': 'application/json', authorization: auth.bearer }, body, mayReset: size > 2 * bodyLimit };
}

const CONTENT_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/xml',
  'text/html',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/jsonp',
  'json',
  'application/*',
  '*/*',
  'application/json, text/plain',
  'APPLICATION/JSON',
  'application/json;;;',
  'application/json; boundary="',
  'application/vnd.api+json',
  ';',
  '\t',
];

/** A valid JSON body under another content type (or none). */
function contentTypeCase(rng: Rng, auth: FuzzAuth): FetchCase {
  const path = rng.pick([...SMS_PATHS, WHATSAPP_PATH]);
  const body = json(path === WHATSAPP_PATH ? validWhatsAppBody() : validSmsBody());
  const none = rng.chance(0.1);
  const contentType = rng.pick(CONTENT_TYPES);
  return {
    kind: 'fetch',
    name: `${path} content-type ${none ? '(none)' : JSON.stringify(contentType)}`,
    expect: 'any',
    method: 'POST',
    path,
    headers: { ...(none ? {} : { 'content-type': contentType }), authorization: auth.bearer },
    body,
  };
}

/** Credentials that cannot be right. */
function authCase(rng: Rng): FetchCase {
  const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
  const header = rng.pick([
    '',
    'Basic',
    'Basic ',
    'Basic !!!!',
    `Basic ${b64('good')}`,
    `Basic ${b64(':')}`,
    `Basic ${b64('good:wrong')}`,
    `Basic ${b64('nobody:pw')}`,
    `Basic ${b64(Buffer.from([0xff, 0xfe, 0x3a, 0x00]))}`,
    `Basic ${b64(`${'x'.repeat(5000)}:y`)}`,
    'Bearer',
    'Bearer ',
    'Bearer smscd_wrong',
    `Bearer ${'t'.repeat(8000)}`,
    'Digest username="good"',
    'bearer  smscd_x  extra',
    `${'X'.repeat(100)} y`,
  ]);
  const path = rng.pick([...SMS_PATHS, WHATSAPP_PATH, '/api/v1/messages', '/api/v1/messages/123456789012']);
  const post = path !== '/api/v1/messages' && !path.startsWith('/api/v1/messages/');
  return {
    kind: 'fetch',
    name: `${path} Authorization ${JSON.stringify(header.slice(0, 40))}`,
    expect: 'refused',
    method: post ? 'POST' : 'GET',
    path,
    headers: { ...(header === '' ? {} : { authorization: header }), ...(post ? { 'content-type': 'application/json' } : {}) },
    ...(post ? { body: json(validSmsBody()) } : {}),
  };
}

const QUERY_VALUES = ['', 'smpp', 'sms', 'delivered', '0', '501', '-1', '1.5', 'abc', '2026-01-01T00:00:00Z', '9999-99-99', '%00', '%ZZ', '1'.repeat(17), '9'.repeat(16), 'a'.repeat(3000)];

/** GET of the message routes with odd ids and query strings. */
function queryCase(rng: Rng, auth: FuzzAuth): FetchCase {
  let path: string;
  if (rng.chance(0.4)) {
    const id = rng.pick(['0', '1', '-1', 'abc', '1'.repeat(40), '%00', '..%2F..%2Fetc', '%E2%82%AC', '123456789012', 'a'.repeat(120), '%', '9'.repeat(16)]);
    path = `/api/v1/messages/${id}`;
  } else {
    const keys = ['channel', 'type', 'status', 'from', 'to', 'limit', 'cursor', 'x', '__proto__', 'constructor'];
    const parts: string[] = [];
    for (let i = rng.int(1, 5); i > 0; i--) parts.push(`${rng.pick(keys)}=${rng.pick(QUERY_VALUES)}`);
    path = `/api/v1/messages?${parts.join(rng.pick(['&', '&', ';', '&&']))}`;
  }
  return { kind: 'fetch', name: `GET ${path.slice(0, 80)}`, expect: 'any', method: 'GET', path, headers: { authorization: auth.bearer } };
}

/** Methods and paths nothing is routed to. */
function routeCase(rng: Rng, auth: FuzzAuth): FetchCase {
  const method = rng.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS']);
  const path = rng.pick([...SMS_PATHS, WHATSAPP_PATH, '/rest', '/rest/smsmessaging/', '/api/v1/messages/1/x', '/%2e%2e/', `/${'a'.repeat(2000)}`, '/rest/smsmessaging/text%00', '//rest//smsmessaging//text']);
  return {
    kind: 'fetch',
    name: `${method} ${path.slice(0, 60)}`,
    expect: 'refused',
    method,
    path,
    headers: { authorization: auth.bearer, 'content-type': 'application/json' },
    ...(method === 'OPTIONS' ? {} : { body: json(validSmsBody()) }),
  };
}

// ── raw TCP ─────────────────────────────────────────────────────────────────────────────────

const CRLF = '\r\n';

/** A request with the given head lines and body, joined with CRLF. */
function rawRequest(lines: string[], body = ''): Buffer {
  return Buffer.from(`${lines.join(CRLF)}${CRLF}${CRLF}${body}`, 'latin1');
}

/** Bytes no HTTP client would send. */
function rawCase(rng: Rng, auth: FuzzAuth, bodyLimit: number): RawCase {
  const body = JSON.stringify(validSmsBody());
  const post = (headers: string[], b = body): Buffer => rawRequest(['POST /rest/smsmessaging/text HTTP/1.1', 'Host: x', `Authorization: ${auth.bearer}`, ...headers], b);
  const cases: Array<[string, () => Buffer, boolean, HttpExpect?, 'bare'?]> = [
    ['random octets', () => Buffer.concat([rng.bytes(rng.int(1, 300)), Buffer.from(CRLF + CRLF)]), false],
    ['TLS ClientHello', () => Buffer.from('16030100a5010000a10303' + '00'.repeat(40), 'hex'), false],
    ['HTTP/2 preface', () => Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), true],
    // Node takes a request line without a version as HTTP/0.9-style and serves it.
    ['request line without a version', () => rawRequest(['GET /healthz']), false, 'any'],
    ['HTTP/9.9', () => rawRequest(['GET /api/v1/messages HTTP/9.9', 'Host: x']), false, 'any'],
    ['lower-case method', () => rawRequest(['post /rest/smsmessaging/text HTTP/1.1', 'Host: x']), true],
    ['unknown method', () => rawRequest(['FOO /rest/smsmessaging/text HTTP/1.1', 'Host: x']), true],
    ['CONNECT', () => rawRequest(['CONNECT 127.0.0.1:22 HTTP/1.1', 'Host: 127.0.0.1:22']), false],
    ['NUL in a header name', () => post(['X-A\u0000: b', 'Content-Type: application/json', `Content-Length: ${body.length}`]), true],
    ['control octet in a header value', () => post(['X-A: \u0001\u007f', 'Content-Type: application/json', `Content-Length: ${body.length}`]), true],
    ['header without a colon', () => post(['NoColonHere', 'Content-Type: application/json', `Content-Length: ${body.length}`]), true],
    ['obsolete line folding', () => post(['Content-Type: application/json', ' folded', `Content-Length: ${body.length}`]), true],
    ['a 20 KB header', () => post([`X-Big: ${'b'.repeat(20_000)}`]), true],
    ['3000 headers', () => post(Array.from({ length: 3000 }, (_, i) => `X-${i}: v`)), true],
    ['a 20 KB URL', () => rawRequest([`GET /api/v1/messages?x=${'u'.repeat(20_000)} HTTP/1.1`, 'Host: x']), true],
    ['Content-Length not a number', () => post(['Content-Type: application/json', 'Content-Length: abc']), true],
    ['negative Content-Length', () => post(['Content-Type: application/json', 'Content-Length: -1']), true],
    ['two different Content-Lengths', () => post(['Content-Type: application/json', `Content-Length: ${body.length}`, 'Content-Length: 3']), true],
    ['Content-Length and chunked', () => post(['Content-Type: application/json', `Content-Length: ${body.length}`, 'Transfer-Encoding: chunked']), true],
    ['bad chunk size', () => post(['Content-Type: application/json', 'Transfer-Encoding: chunked'], `zz${CRLF}${body}${CRLF}0${CRLF}${CRLF}`), true],
    ['huge chunk size', () => post(['Content-Type: application/json', 'Transfer-Encoding: chunked'], `ffffffffffffffff${CRLF}${body}`), true],
    ['unknown transfer coding', () => post(['Content-Type: application/json', 'Transfer-Encoding: gzip, chunked'], `5${CRLF}{"a":${CRLF}0${CRLF}${CRLF}`), true, 'any'],
    ['Content-Length over the limit, short body', () => post(['Content-Type: application/json', `Content-Length: ${bodyLimit * 4}`], '{"a":'), true],
    ['Content-Length longer than the body', () => post(['Content-Type: application/json', `Content-Length: ${body.length + 50}`]), false],
    ['Expect: 100-continue, no body', () => post(['Content-Type: application/json', `Content-Length: ${body.length}`, 'Expect: 100-continue'], ''), false],
    ['Expect: something else', () => post(['Content-Type: application/json', `Content-Length: ${body.length}`, 'Expect: teapot']), true, 'refused', 'bare'],
    ['no Host on HTTP/1.1', () => rawRequest(['GET /api/v1/messages HTTP/1.1', `Authorization: ${auth.bearer}`]), true, 'refused', 'bare'],
    ['absolute-form target', () => rawRequest(['GET http://evil.example/api/v1/messages HTTP/1.1', 'Host: x', `Authorization: ${auth.bearer}`]), true, 'any'],
    ['asterisk target', () => rawRequest(['OPTIONS * HTTP/1.1', 'Host: x']), true],
    ['garbage after a good request', () => Buffer.concat([rawRequest(['GET /healthz HTTP/1.1', 'Host: x']), rng.bytes(rng.int(1, 100)), Buffer.from(CRLF + CRLF)]), true, 'any'],
    ['bare LF line ends', () => Buffer.from(`POST /rest/smsmessaging/text HTTP/1.1\nHost: x\nAuthorization: ${auth.bearer}\nContent-Type: application/json\nContent-Length: ${body.length}\n\n${body}`), true, 'any'],
    ['bare CR line ends', () => Buffer.from(`GET /api/v1/messages HTTP/1.1\rHost: x\r\r`), false],
    ['8-bit octets in the target', () => Buffer.concat([Buffer.from('GET /api/v1/messages/'), rng.bytes(8), Buffer.from(` HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`)]), false, 'any'],
  ];
  const [name, build, mustAnswer, expect, bare] = rng.pick(cases);
  let bytes = build();
  // Sometimes a random octet of the request is changed as well.
  let mutated = false;
  if (rng.chance(0.2) && bytes.length > 0) {
    bytes = Buffer.from(bytes);
    bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
    mutated = true;
  }
  return { kind: 'raw', name: `raw: ${name}${mutated ? ' (+1 octet changed)' : ''}`, expect: mutated ? 'any' : (expect ?? 'refused'), bytes, mustAnswer: mustAnswer && !mutated, bareRefusal: bare === 'bare' || mutated };
}

/** One random case of any kind. */
export function randomHttpCase(rng: Rng, auth: FuzzAuth, bodyLimit: number): HttpCase {
  const roll = rng.next();
  if (roll < 0.3) return fieldCase(rng, auth);
  if (roll < 0.45) return malformedJsonCase(rng, auth);
  if (roll < 0.5) return hugeBodyCase(rng, auth, bodyLimit);
  if (roll < 0.58) return contentTypeCase(rng, auth);
  if (roll < 0.66) return authCase(rng);
  if (roll < 0.74) return queryCase(rng, auth);
  if (roll < 0.78) return routeCase(rng, auth);
  return rawCase(rng, auth, bodyLimit);
}
