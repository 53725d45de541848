/**
 * The SQS forwarding target (SPEC §5 "sqs"): events go out with SendMessageBatch, up to 10 per
 * call, with message attributes for event id, type, account and format; FIFO queues get the
 * message id as group and the notificationId as deduplication id. SQS limits (references.md
 * "SQS"): 1 MiB per message and 1 MiB per batch, body plus attributes.
 */
import type { MessageAttributeValue, SQSClient, SendMessageBatchCommandOutput, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { SqsSettings } from '../../config/schema.js';
import { excerpt, type Delivery, type DeliveryResult, type Target, type TargetSpec } from './target.js';

/** Most entries SQS takes in one SendMessageBatch. */
export const SQS_MAX_BATCH = 10;

/** Largest message, and largest batch in total, SQS accepts (bytes; body plus attribute names, types and values). */
export const SQS_MAX_BYTES = 1_048_576;

/** A failure of a whole SendMessageBatch call, classified like a delivery result. */
export interface SqsCallFailure {
  outcome: 'retry' | 'failed';
  code: string;
  reason: string;
}

/** Error names that say "try again later" even when SQS answers them with a 4xx (SQS throttles with 400). */
const RETRYABLE_NAMES = new Set([
  'AbortError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'Throttling',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KmsThrottled',
  'AWS.SimpleQueueService.KmsThrottled',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  // Temporary credentials from the default chain are refreshed on the next call; a skewed clock is corrected by the SDK.
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
]);

/** Names the SDK gives an answer it could not read as an SQS error. */
const GENERIC_NAMES = new Set(['Error', 'Unknown', 'UnknownError', 'SyntaxError', 'TypeError']);

function field(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

function stringField(err: unknown, key: string): string | undefined {
  const value = field(err, key);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function httpStatusOf(err: unknown): number | undefined {
  const status = field(field(err, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/**
 * Classifies an error thrown by a whole SendMessageBatch call: no answer at all (network, timeout,
 * abort), throttling, 408/429 and 5xx are worth a retry; any other 4xx (NonExistentQueue,
 * AccessDenied, InvalidParameterValue, …) will not change by retrying.
 */
export function classifySqsError(err: unknown): SqsCallFailure {
  const status = httpStatusOf(err);
  const name = stringField(err, 'name') ?? 'Error';
  const legacyCode = stringField(err, 'Code'); // the query-protocol code, e.g. AWS.SimpleQueueService.NonExistentQueue
  // Node's errno code names a network failure best (ECONNREFUSED, ETIMEDOUT); an SQS error its name
  // (QueueDoesNotExist); an answer that was no SQS error at all (a proxy's 503 page, an empty body) its status, as the http target does.
  const generic = GENERIC_NAMES.has(name) && status !== undefined;
  const code = stringField(err, 'code') ?? (generic ? String(status) : name);
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const reason = generic ? `HTTP ${status} from the SQS endpoint: ${message}` : message;
  const retryable =
    status === undefined || // no answer: nothing says the next attempt cannot succeed
    status >= 500 ||
    status === 408 ||
    status === 429 ||
    RETRYABLE_NAMES.has(name) ||
    (legacyCode !== undefined && RETRYABLE_NAMES.has(legacyCode)) ||
    field(err, '$retryable') !== undefined; // the SDK marks throttling it recognises
  return { outcome: retryable ? 'retry' : 'failed', code, reason };
}

/** Bytes SQS counts for one entry against its limits (references.md "SQS"). */
function entryBytes(entry: SendMessageBatchRequestEntry): number {
  let bytes = Buffer.byteLength(entry.MessageBody ?? '', 'utf8');
  for (const [name, attr] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attr.DataType ?? '', 'utf8') + Buffer.byteLength(attr.StringValue ?? '', 'utf8');
  }
  return bytes;
}

function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** One entry to send, with its place in the caller's batch. */
interface Pending {
  index: number;
  entry: SendMessageBatchRequestEntry;
  bytes: number;
}

/** Splits entries into consecutive calls of at most 10 entries and 1 MiB each, keeping their order (FIFO groups stay ordered). */
function plan(pending: Pending[]): Pending[][] {
  const calls: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const p of pending) {
    if (current.length > 0 && (current.length === SQS_MAX_BATCH || bytes + p.bytes > SQS_MAX_BYTES)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(p);
    bytes += p.bytes;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/** Why a spec cannot be sent to, or null when its queue URL is usable. */
function refusal(spec: TargetSpec): string | null {
  if (spec.queueUrl === null || spec.queueUrl === '') return `sqs target "${spec.name}" has no queue URL`;
  try {
    const url = new URL(spec.queueUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `sqs target "${spec.name}": scheme ${url.protocol} is not http: or https:`;
  } catch {
    return `sqs target "${spec.name}": the queue URL is not a URL`;
  }
  return null;
}

/** Creates the SQS target for a stored spec: one SQSClient, up to 10 deliveries per call. */
export function createSqsTarget(spec: TargetSpec, settings: SqsSettings): Target {
  const queueUrl = spec.queueUrl ?? '';
  const refused = refusal(spec);
  // The queue's name decides, as in SQS itself: only a name ending in .fifo is a FIFO queue.
  const fifo = queueUrl.replace(/\/+$/, '').endsWith('.fifo');
  // The SDK is loaded with the first SQS target that sends (about 20 MB a server without SQS targets never pays).
  let sdk: Promise<{ client: SQSClient; command: typeof import('@aws-sdk/client-sqs').SendMessageBatchCommand }> | null = null;
  const connect = (): NonNullable<typeof sdk> =>
    (sdk ??= import('@aws-sdk/client-sqs').then(({ SQSClient, SendMessageBatchCommand }) => ({ client: newClient(SQSClient), command: SendMessageBatchCommand })));
  const newClient = (Client: typeof SQSClient): SQSClient => new Client({
    region: settings.region,
    ...(settings.endpoint !== null ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials !== null ? { credentials: { accessKeyId: settings.credentials.accessKeyId, secretAccessKey: settings.credentials.secretAccessKey } } : {}),
    // Our worker owns the retry schedule (SPEC §5); an SDK retry would hide attempts from the attempt log.
    maxAttempts: 1,
    // Constructor options of the SDK's NodeHttpHandler; without throwOnRequestTimeout a timeout only logs a warning and the call hangs.
    requestHandler: { connectionTimeout: settings.timeoutMs, requestTimeout: settings.timeoutMs, throwOnRequestTimeout: true },
  });
  let closed = false;

  function toEntry(d: Delivery): SendMessageBatchRequestEntry {
    return {
      Id: String(d.outboxId),
      MessageBody: d.body,
      MessageAttributes: {
        eventId: stringAttribute(d.notificationId),
        eventType: stringAttribute(d.messageType),
        account: stringAttribute(d.account),
        format: stringAttribute(d.format),
      },
      // FIFO: order per message (a receipt after its enroute), and a retry within 5 min is not delivered twice.
      ...(fifo ? { MessageGroupId: d.messageId, MessageDeduplicationId: d.notificationId } : {}),
    };
  }

  async function send(call: Pending[], results: DeliveryResult[]): Promise<SqsCallFailure | null> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    let answer: SendMessageBatchCommandOutput;
    try {
      const { client, command: SendMessageBatch } = await connect();
      answer = await client.send(new SendMessageBatch({ QueueUrl: queueUrl, Entries: call.map((p) => p.entry) }));
    } catch (err) {
      const failure = classifySqsError(err);
      const durationMs = elapsed();
      for (const p of call) results[p.index] = { ...failure, durationMs };
      return failure;
    }
    const durationMs = elapsed();
    const byId = new Map(call.map((p) => [p.entry.Id, p.index]));
    for (const ok of answer.Successful ?? []) {
      const index = byId.get(ok.Id);
      if (index === undefined) continue;
      results[index] = { outcome: 'delivered', code: 'OK', durationMs, excerpt: excerpt(`MessageId ${ok.MessageId ?? '?'}`) };
      byId.delete(ok.Id);
    }
    for (const bad of answer.Failed ?? []) {
      const index = byId.get(bad.Id);
      if (index === undefined) continue;
      const code = bad.Code ?? 'UnknownError';
      const reason = bad.Message ?? code;
      // SQS: only entries that failed through no fault of the sender are worth sending again (references.md "SQS").
      results[index] = { outcome: bad.SenderFault === true ? 'failed' : 'retry', code, reason, durationMs, excerpt: excerpt(reason) };
      byId.delete(bad.Id);
    }
    // An entry SQS neither accepted nor refused has an unknown fate: at-least-once says send it again.
    for (const index of byId.values()) results[index] = { outcome: 'retry', code: 'ENORESULT', reason: 'SQS answered without a result for this entry', durationMs };
    return null;
  }

  return {
    spec,
    maxBatch: SQS_MAX_BATCH,
    async deliver(batch) {
      const results: DeliveryResult[] = new Array<DeliveryResult>(batch.length);
      if (refused !== null) return batch.map(() => ({ outcome: 'failed', code: 'EURL', reason: refused, durationMs: 0 }));
      if (closed) return batch.map(() => ({ outcome: 'retry', code: 'ECLOSED', reason: 'the sqs target is closed', durationMs: 0 }));
      const pending: Pending[] = [];
      batch.forEach((d, index) => {
        const entry = toEntry(d);
        const bytes = entryBytes(entry);
        // SQS would refuse the whole call (BatchRequestTooLong), failing its neighbours too; refuse only this one.
        if (bytes > SQS_MAX_BYTES) {
          results[index] = { outcome: 'failed', code: 'ETOOBIG', reason: `message is ${bytes} bytes with its attributes; SQS takes at most ${SQS_MAX_BYTES}`, durationMs: 0 };
        } else {
          pending.push({ index, entry, bytes });
        }
      });
      const calls = plan(pending);
      for (let i = 0; i < calls.length; i++) {
        const failure = await send(calls[i]!, results);
        if (failure?.outcome === 'retry') {
          // The endpoint is unreachable or throttling: the later calls would only wait out the same timeout.
          for (const p of calls.slice(i + 1).flat()) results[p.index] = { ...failure, reason: `not sent: ${failure.reason}`, durationMs: 0 };
          break;
        }
      }
      return results;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (sdk) (await sdk).client.destroy();
    },
  };
}
