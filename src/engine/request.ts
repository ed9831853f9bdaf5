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
  readonly form?: Readonly<Record<string, FieldValue>>;
  readonly signal?: AbortSignal | undefined;
}

/** Turns validated tool arguments into a request: ids into path segments, the rest into query or form. */
export function toRequest(op: OperationSpec, args: Readonly<Record<string, unknown>>, signal?: AbortSignal): ToolRequest {
  // Each id becomes exactly one path segment ("/" and "%" are encoded too).
  const path = op.path.replace(/\{([^{}]+)\}/g, (_, name: string) => encodeURIComponent(String(args[name])));
  const query: [string, FieldValue][] = [];
  const form: [string, FieldValue][] = [];
  for (const p of op.inputParameters) {
    const value = args[p.name];
    if (value === undefined || p.in === 'path') continue;
    if (p.in === 'query') query.push([p.name, value as FieldValue]);
    // A free-form object body (the seed's `body`) is sent field by field.
    else if (p.type === 'object' && isRecord(value)) form.push(...(Object.entries(value) as [string, FieldValue][]));
    else form.push([p.name, value as FieldValue]);
  }
  const hasBody = op.inputParameters.some((p) => p.in === 'body');
  // fromEntries defines own properties: a "__proto__" key stays data.
  return {
    method: op.method,
    path,
    query: Object.fromEntries(query),
    ...(hasBody ? { form: Object.fromEntries(form) } : {}),
    signal,
  };
}
