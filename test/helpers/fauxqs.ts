/** An in-process fauxqs (a local SQS) on port 0 for tests, with queue creation and a draining receive. */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { startFauxqs as startServer } from 'fauxqs';

/** A message as a consumer of the queue sees it. */
export interface ReceivedSqsMessage {
  body: string;
  /** String message attributes (eventId, eventType, account, format). */
  attributes: Record<string, string>;
  /** FIFO queues: the MessageGroupId the message was sent with. */
  groupId?: string;
}

/** A running fauxqs and what tests do with it. */
export interface Fauxqs {
  /** `http://127.0.0.1:<port>`: give it as `forwarding.sqs.endpoint` (fauxqs finds queues by their exact URL, whose host does not resolve). */
  endpoint: string;
  /** Region the queues live in and the settings should name. */
  region: string;
  /** Credentials fauxqs accepts (any are). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Creates a queue and returns its URL; `fifo` appends `.fifo` when missing and turns content-based deduplication off. */
  createQueue(name: string, fifo?: boolean): Promise<string>;
  /** Receives and deletes everything in the queue now, in arrival order, until a receive comes back empty. */
  receive(queueUrl: string): Promise<ReceivedSqsMessage[]>;
  close(): Promise<void>;
}

function toReceived(m: Message): ReceivedSqsMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const groupId = m.Attributes?.MessageGroupId;
  return { body: m.Body ?? '', attributes, ...(groupId !== undefined ? { groupId } : {}) };
}

/** Starts fauxqs on a free port, quiet. */
export async function startFauxqs(): Promise<Fauxqs> {
  const server = await startServer({ port: 0, logger: false });
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new SQSClient({ region, endpoint, credentials, maxAttempts: 1 });
  return {
    endpoint,
    region,
    credentials,
    async createQueue(name, fifo = false) {
      const queueName = fifo && !name.endsWith('.fifo') ? `${name}.fifo` : name;
      const attributes: Record<string, string> = fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {};
      return server.createQueue(queueName, { attributes }).queueUrl;
    },
    async receive(queueUrl) {
      const got: ReceivedSqsMessage[] = [];
      for (;;) {
        const answer = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['MessageGroupId'],
          }),
        );
        const messages = answer.Messages ?? [];
        if (messages.length === 0) return got;
        got.push(...messages.map(toReceived));
        // Deleted so that the next receive gets the rest (a FIFO group stays locked while its messages are in flight).
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    },
    async close() {
      client.destroy();
      await server.stop();
    },
  };
}
