// Mustache placeholders, as Ikanos writes them: `{{name}}` in paths, values and JSON bodies. Only
// plain variables are read (no sections, partials or lambdas): a capability's templates fill in
// values, and a JSON body must stay JSON whatever the values are.

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** The variable names a template uses, in order, each once. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
}

/** Replaces each `{{name}}` with `values[name]` (names without a value are left as they are). */
export function fill(template: string, values: (name: string) => string | undefined): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values(name) ?? whole);
}

/**
 * Renders a JSON body template: a placeholder inside a JSON string gets the value's text, escaped
 * as JSON string content; one outside a string gets the value as a JSON literal (an array stays an
 * array); a missing value is null. An argument cannot break out of its place, whatever it holds.
 * Throws a SyntaxError when the template is not JSON once filled.
 */
export function renderJsonBody(template: string, args: Readonly<Record<string, unknown>>): unknown {
  let out = '';
  let inString = false;
  let last = 0;
  for (const match of template.matchAll(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}|\\.|"/g)) {
    const [token, name] = match;
    if (name === undefined) {
      if (token === '"') inString = !inString;
      continue;
    }
    const value = Object.hasOwn(args, name) ? args[name] : undefined;
    out += template.slice(last, match.index);
    const json = JSON.stringify(value ?? null);
    out += inString ? (typeof value === 'string' ? json.slice(1, -1) : JSON.stringify(value === undefined ? '' : json).slice(1, -1)) : json;
    last = match.index + token.length;
  }
  return JSON.parse(out + template.slice(last)) as unknown;
}
