/** The JSON encoding of the event document (Content-Type application/json). */
import type { EventDocument } from './document.js';

/** Encodes a document as JSON; absent optional values are `null`. */
export function encodeJson(doc: EventDocument): string {
  return JSON.stringify(doc);
}
