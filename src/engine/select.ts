import type { Capability, OperationSpec } from './model.js';
import { UsageError } from '../errors.js';
import { annotationsFor } from './annotations.js';

/** Which of the capability's tools to serve. */
export interface ToolSelection {
  /** Only the operations whose hints say they change nothing. */
  readonly readOnly?: boolean;
  /** Only these operations; `from` names the flag or variable in error messages. */
  readonly tools?: { readonly names: readonly string[]; readonly from: string } | undefined;
}

const isReadOnly = (op: OperationSpec): boolean => annotationsFor(op).readOnlyHint === true;

/**
 * Narrows a capability to the operations an operator allows. Throws a UsageError, listing the
 * valid names, for an unknown name, for a tool that changes something under `readOnly`, and when
 * nothing would be left: a server with a mistyped allow-list should not start at all.
 */
export function selectOperations(capability: Capability, { readOnly = false, tools }: ToolSelection): Capability {
  const all = capability.operations;
  const list = (ops: readonly OperationSpec[]): string => ops.map((op) => op.name).join(', ');
  let kept = readOnly ? all.filter(isReadOnly) : all;

  if (tools) {
    const unknown = tools.names.filter((name) => !all.some((op) => op.name === name));
    if (unknown.length > 0) {
      throw new UsageError(`${tools.from}: unknown tool ${unknown.map((n) => JSON.stringify(n)).join(', ')}. Valid names: ${list(all)}.`);
    }
    const changing = tools.names.filter((name) => !kept.some((op) => op.name === name));
    if (changing.length > 0) {
      throw new UsageError(
        `${tools.from} names ${[...new Set(changing)].join(', ')}, which ${changing.length > 1 ? 'change' : 'changes'} something, but --read-only serves only: ${list(kept) || 'no tool of this capability'}.`,
      );
    }
    if (tools.names.length === 0) throw new UsageError(`${tools.from} is empty: name at least one of ${list(kept)}.`);
    kept = kept.filter((op) => tools.names.includes(op.name));
  }

  if (kept.length === 0) throw new UsageError(`--read-only leaves no tool: ${capability.file} has no read-only operation.`);
  return { ...capability, operations: kept };
}
