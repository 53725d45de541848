/** Talks to the HTTP API of a test app with Node's fetch: auth headers, API accounts, parsed answers. */
import type { TestApp } from './app.js';
import { generateApiToken } from '../../src/store/secrets.js';
import type { Account } from '../../src/store/accounts.js';

/** One answer: status, headers, the raw text and the JSON body (null when the text is not JSON). */
export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** What to send. */
export interface RequestOptions {
  method?: string;
  /** Authorization header value (see `basic`, `bearer`). */
  auth?: string;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is (with `contentType`, default application/json). */
  raw?: string | Buffer;
  contentType?: string;
}

/** `Basic <base64(user:password)>`. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** `Bearer <token>`. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** Sends one request to the app's HTTP API. */
export async function request<T = Record<string, unknown>>(t: TestApp, path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = {};
  if (options.auth !== undefined) headers.authorization = options.auth;
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = options.contentType ?? 'application/json';
  } else if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  const res = await fetch(`http://127.0.0.1:${t.app.ports.http}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}

/** An account with an API token, and ready-made Authorization values for it. */
export interface ApiAccount {
  account: Account;
  password: string;
  token: string;
  /** Basic systemId:password */
  basic: string;
  /** Bearer token */
  bearer: string;
}

/** Adds an account with an API token. */
export function addApiAccount(t: TestApp, systemId: string, password = 'pw-secret', extra: Parameters<TestApp['addAccount']>[2] = {}): ApiAccount {
  t.addAccount(systemId, password, extra);
  const { token, hash } = generateApiToken();
  const account = t.app.store.accounts.update(systemId, { apiTokenHash: hash })!;
  return { account, password, token, basic: basic(systemId, password), bearer: bearer(token) };
}

/** The websms send answer. */
export interface WebsmsAnswer {
  statusCode: number;
  statusMessage: string;
  transferId?: string | null;
  clientMessageId?: string | null;
  smsCount?: number;
}

/** `POST /rest/smsmessaging/text` (or `/simple`). */
export function sendSms(t: TestApp, auth: string, body: unknown, path: '/rest/smsmessaging/text' | '/rest/smsmessaging/simple' = '/rest/smsmessaging/text'): Promise<ApiAnswer<WebsmsAnswer>> {
  return request<WebsmsAnswer>(t, path, { auth, json: body });
}

/** The WhatsApp send answer, or an error. */
export interface WhatsAppAnswer {
  messageId?: string;
  status?: string;
  clientMessageId?: string | null;
  error?: { code: string | number; message: string };
}

/** `POST /api/v1/whatsapp/messages`. */
export function sendWhatsApp(t: TestApp, auth: string, body: unknown): Promise<ApiAnswer<WhatsAppAnswer>> {
  return request<WhatsAppAnswer>(t, '/api/v1/whatsapp/messages', { auth, json: body });
}

/** The app's own writes do not trigger its CLI-change watcher: tell forwarding directly. */
export function reloadForwarding(t: TestApp): void {
  t.app.forwarding.policy.reload();
  t.app.forwarding.worker.reloadTargets();
}
