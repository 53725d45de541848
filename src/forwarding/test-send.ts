/**
 * A sample event sent to a target (`smscd target test`, the console's "send test" button): the
 * same document, encoding, signing and connection code as a real forward, so its outcome says
 * whether real forwards will get through.
 */
import type { Config } from '../config/schema.js';
import { buildDocument } from './formats/document.js';
import { encodeDocument } from './formats/encode.js';
import { targetFactory } from './targets/factory.js';
import type { DeliveryResult, TargetSpec } from './targets/target.js';

/**
 * Delivers one sample receipt to `spec` and closes the connection again. `sample`: an SMS
 * delivery report (default) or a WhatsApp status change, so the receiver sees the document
 * it will get.
 */
export async function sendTestEvent(forwarding: Config['forwarding'], spec: TargetSpec, account = 'test', sample: { messageType: 'sms' | 'whatsapp'; channel: string } = { messageType: 'sms', channel: 'smpp' }): Promise<DeliveryResult> {
  const now = Date.now();
  const doc = buildDocument(
    {
      eventId: Math.floor(now / 1000),
      status: 'delivered',
      errorCode: 0,
      occurredAt: now,
      messageId: '100000000000',
      messageType: sample.messageType,
      channel: sample.channel,
      account,
      clientRef: 'smscd-target-test',
      sourceAddr: '436601234567',
      destAddr: '436991234567',
      submittedAt: now - 2000,
      partNumber: null,
      partCount: null,
    },
    'testtest',
  );
  const connected = targetFactory(forwarding)(spec);
  try {
    const [result] = await connected.deliver([
      { outboxId: 0, notificationId: doc.notificationId, messageId: doc.transferId, messageType: doc.messageType, status: 'delivered', account, format: spec.format, body: encodeDocument(doc, spec.format), attempt: 1 },
    ]);
    return result ?? { outcome: 'failed', code: 'none', reason: 'the target returned no result', durationMs: 0 };
  } finally {
    await connected.close();
  }
}
