/**
 * What receipts a mail asks for (SPEC §7), the ways mail programs ask: a read receipt
 * (`Disposition-Notification-To`, RFC 8098), a delivery receipt (`Return-Receipt-To`, the old
 * header many programs still send, or DSN `NOTIFY=SUCCESS` on the recipient, RFC 3461).
 */

/** The receipts asked for, for one recipient. */
export interface ReceiptRequest {
  delivery: boolean;
  read: boolean;
}

/**
 * The request of a mail for one recipient. `hasHeader` answers for a lower-case header name;
 * `notify` is the recipient's DSN NOTIFY list (upper case), if any.
 */
export function receiptRequest(hasHeader: (name: string) => boolean, notify: readonly string[] | undefined): ReceiptRequest {
  return {
    delivery: hasHeader('return-receipt-to') || (notify?.includes('SUCCESS') ?? false),
    read: hasHeader('disposition-notification-to'),
  };
}

/**
 * The WhatsApp changes mailed back for a request: the delivery request the change to
 * `delivered`, the read request the change to `read` (SPEC §7). Empty = no receipt.
 */
export function whatsappReceiptStatuses(request: ReceiptRequest): string[] {
  return [...(request.delivery ? ['delivered'] : []), ...(request.read ? ['read'] : [])];
}
