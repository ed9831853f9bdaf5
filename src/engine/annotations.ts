import type { OperationSpec } from './model.js';

/** MCP's tool hints, as plain data (the MCP layer hands them to its SDK unchanged). */
export interface ToolAnnotations {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

/**
 * Derives MCP tool hints from an operation's HTTP contract, so that no tool needs a hand-written
 * entry: GET reads; DELETE and PUT replace or remove; PATCH changes in place; a POST with a body
 * creates something new (twice means two); a POST without a body acts on the item its path names
 * (revoke, cancel...), which is destructive but reaches the same end state when repeated. An
 * Ikanos tool's `hints` override these, one by one.
 */
export function annotationsFor(op: OperationSpec): ToolAnnotations {
  const derived = derivedAnnotations(op);
  const hints = op.hints;
  if (!hints) return derived;
  // Ikanos `hints`: each one the capability states wins over the derived one.
  return {
    ...derived,
    ...(hints.readOnly !== undefined ? { readOnlyHint: hints.readOnly } : {}),
    ...(hints.destructive !== undefined ? { destructiveHint: hints.destructive } : {}),
    ...(hints.idempotent !== undefined ? { idempotentHint: hints.idempotent } : {}),
    ...(hints.openWorld !== undefined ? { openWorldHint: hints.openWorld } : {}),
  };
}

function derivedAnnotations(op: OperationSpec): ToolAnnotations {
  const base = { title: op.title, openWorldHint: true };
  const hasBody = op.bodyTemplate !== undefined || op.inputParameters.some((p) => p.in === 'body');
  switch (op.method) {
    case 'GET':
      return { ...base, readOnlyHint: true, idempotentHint: true };
    case 'DELETE':
    case 'PUT':
      return { ...base, readOnlyHint: false, destructiveHint: true, idempotentHint: true };
    case 'PATCH':
      return { ...base, readOnlyHint: false, destructiveHint: true, idempotentHint: false };
    case 'POST':
      return hasBody
        ? { ...base, readOnlyHint: false, destructiveHint: false, idempotentHint: false }
        : { ...base, readOnlyHint: false, destructiveHint: true, idempotentHint: true };
  }
}
