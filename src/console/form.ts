/**
 * Form posts (application/x-www-form-urlencoded) as the console's routes read them: every field
 * a string, or a list of strings when it was sent more than once (check boxes).
 */
import { HttpError } from '../errors.js';

/** A parsed form. */
export type FormBody = Record<string, string | string[]>;

/** Parses a urlencoded body. */
export function parseForm(text: string): FormBody {
  const out: FormBody = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const had = out[name];
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

/** A request body as a form; anything else (no body, JSON) is a 400 naming the expected type. */
export function formOf(body: unknown): FormBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'bad_form', 'expected a form (application/x-www-form-urlencoded)');
  return body as FormBody;
}

/** One field as a trimmed string ('' when missing); the first value when it was sent twice. */
export function field(form: FormBody, name: string): string {
  const value = form[name];
  return (Array.isArray(value) ? (value[0] ?? '') : (value ?? '')).trim();
}

/** Every value of a field (check boxes). */
export function fields(form: FormBody, name: string): string[] {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
