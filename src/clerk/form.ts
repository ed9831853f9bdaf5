/** A value Clerk's form-based API accepts: scalars, or arrays of them sent as repeated keys. */
export type FormScalar = string | number | boolean;
export type FormValue = FormScalar | readonly FormScalar[];

/**
 * Encodes fields the way Clerk's Frontend API reads them (`application/x-www-form-urlencoded`):
 * arrays as repeated keys without brackets, booleans as `true`/`false`; undefined fields are left out.
 */
export function encodeForm(fields: Readonly<Record<string, FormValue | undefined>>): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, String(item));
  }
  return form;
}
