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

/** One tool definition per capability operation. */
export function toolDefinitions(capability: Capability): ToolDefinition[] {
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
