/**
 * HTML built with a tagged template that escapes every interpolated value, so no page can be
 * made to carry markup it did not write: `html\`<td>${text}</td>\``. Values that are already
 * Html (nested templates) go in as they are; arrays are joined; null, undefined and false
 * render as nothing.
 */

/** A piece of markup that is safe to insert as it is. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** The tagged template. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** ` name` when `on`, for boolean attributes: `<input${attr('checked', on)}>`. */
export function attr(name: string, on: boolean): Html {
  return new Html(on ? ` ${name}` : '');
}
