import type * as z from 'zod';
import { annotationsFor, type ToolAnnotations } from './annotations.js';
import { confirmationReason, type ConfirmationReason } from './confirm.js';
import type { Capability, OperationSpec } from './model.js';
import { inputSchema, outputSchema } from './schema.js';

/** One tool as plain data: what a protocol layer registers and an executor runs. */
export interface ToolDefinition {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: z.ZodObject;
  readonly outputSchema: z.ZodObject;
  readonly annotations: ToolAnnotations;
  /** Why the tool asks the user before running; absent when it never asks. */
  readonly confirm?: ConfirmationReason;
  readonly operation: OperationSpec;
}

// Built once per capability: an HTTP server is built for every request, and building the zod
// schemas was most of its CPU. The definitions are read-only data, safe to share between servers.
const built = new WeakMap<Capability, readonly ToolDefinition[]>();

/** One tool definition per capability operation; the same objects for the same capability. */
export function toolDefinitions(capability: Capability): readonly ToolDefinition[] {
  let definitions = built.get(capability);
  if (!definitions) {
    definitions = buildDefinitions(capability);
    built.set(capability, definitions);
  }
  return definitions;
}

function buildDefinitions(capability: Capability): readonly ToolDefinition[] {
  return capability.operations.map((op) => {
    const confirm = confirmationReason(op, capability.profile !== 'http');
    return {
      name: op.name,
      title: op.title,
      description: op.description,
      inputSchema: inputSchema(op),
      outputSchema: outputSchema(op),
      annotations: annotationsFor(op),
      ...(confirm ? { confirm } : {}),
      operation: op,
    };
  });
}
