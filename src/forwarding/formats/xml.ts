/**
 * The XML encoding of the event document (Content-Type application/xml): an XML declaration,
 * UTF-8, a root element named after `messageType`, one child element per field in document order,
 * text escaped by xmlbuilder2. Null values are left out.
 */
import { create } from 'xmlbuilder2';
import type { EventDocument } from './document.js';

/** Characters XML 1.0 does not allow in text (§2.2), even escaped. */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Encodes a document as XML. A character XML cannot carry becomes U+FFFD rather than breaking the document. */
export function encodeXml(doc: EventDocument): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(doc.messageType);
  for (const [key, value] of Object.entries(doc)) {
    if (value === null || value === undefined) continue;
    root.ele(key).txt(String(value).replace(NOT_XML_CHAR, '\uFFFD'));
  }
  return root.end({ prettyPrint: false });
}
