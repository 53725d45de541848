/** Picks the encoding by format. */
import type { Format } from '../targets/target.js';
import type { EventDocument } from './document.js';
import { encodeJson } from './json.js';
import { encodeXml } from './xml.js';

/** The document encoded in `format`. */
export function encodeDocument(doc: EventDocument, format: Format): string {
  return format === 'xml' ? encodeXml(doc) : encodeJson(doc);
}
