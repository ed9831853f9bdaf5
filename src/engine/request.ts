import { isRecord } from '../json.js';
import type { OperationSpec } from './model.js';

/** A value a query or form field carries: scalars, or arrays of them sent as repeated keys. */
export type FieldValue = string | number | boolean | readonly (string | number | boolean)[];

/** An HTTP request for one tool call, before any service's host, auth or encoding is applied. */
export interface ToolRequest {
  readonly method: OperationSpec['method'];
  /** Path below the base URL, already percent-encoded. */
  readonly path: string;
  readonly query: Readonly<Record<string, FieldValue>>;
  /** The body's fields (a form for Clerk, a JSON object elsewhere); absent when the operation has no body parameter. */
  readonly form?: Readonly<Record<string, FieldValue>>;
  /** Headers the capability or the arguments set (Ikanos); absent when there are none. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Turns validated tool arguments into a request: ids into path segments, the rest into query,
 * header or body fields, each under the name the request gives it (`target`), with the values the
 * capability sets itself (`fixed`, binds already filled in). A body template is the executor's.
 */
export function toRequest(op: OperationSpec, args: Readonly<Record<string, unknown>>, signal?: AbortSignal): ToolRequest {
  const segments = new Map<string, string>();
  const query: [string, FieldValue][] = [];
  const form: [string, FieldValue][] = [];
  const headers: [string, string][] = [];
  for (const fixed of op.fixed ?? []) {
    if (fixed.in === 'path') segments.set(fixed.name, fixed.value);
    else if (fixed.in === 'query') query.push([fixed.name, fixed.value]);
    else if (fixed.in === 'header') headers.push([fixed.name, fixed.value]);
    else form.push([fixed.name, fixed.value]);
  }
  for (const p of op.inputParameters) {
    const value = args[p.name];
    const name = p.target ?? p.name;
    if (value === undefined) continue;
    if (p.in === 'path') segments.set(name, String(value));
    else if (p.in === 'query') query.push([name, value as FieldValue]);
    else if (p.in === 'header') headers.push([name, String(value)]);
    // A free-form object body (the seed's `body`) is sent field by field.
    else if (p.type === 'object' && isRecord(value) && p.target === undefined) form.push(...(Object.entries(value) as [string, FieldValue][]));
    else form.push([name, value as FieldValue]);
  }
  // Each id becomes exactly one path segment ("/" and "%" are encoded too).
  const path = op.path.replace(/\{([^{}]+)\}/g, (_, name: string) => encodeURIComponent(segments.get(name) ?? ''));
  const hasBody = op.inputParameters.some((p) => p.in === 'body') || (op.fixed ?? []).some((f) => f.in === 'body');
  // fromEntries defines own properties: a "__proto__" key stays data.
  return {
    method: op.method,
    path,
    query: Object.fromEntries(query),
    ...(hasBody ? { form: Object.fromEntries(form) } : {}),
    ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
    signal,
  };
}
