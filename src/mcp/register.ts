import type { CallToolResult, InputRequiredResult, McpServer } from '@modelcontextprotocol/server';
import type { Capability, OperationSpec } from '../engine/model.js';
import { inputSchema, outputSchema } from '../engine/schema.js';
import { isRecord } from '../json.js';
import { type ClerkClient, type ClerkRequest, type QueryValue } from '../clerk/client.js';
import { ClerkApiError, ClerkRequestError, describeFailure } from '../clerk/errors.js';
import type { FormValue } from '../clerk/form.js';
import { log } from '../log.js';
import { annotationsFor } from '../engine/annotations.js';
import { confirmationMessage, confirmationReason, lookUpQuestionContext } from './confirm.js';
import { confirmStep, type ConfirmationStates } from './confirm-step.js';

/** How tools that destroy or create in bulk ask for consent. */
export interface ConfirmOptions {
  /** Ask the user through elicitation, when the client supports it (default true). */
  readonly confirm?: boolean;
  /** Longest wait for the answer, and how long a question stays answerable (default CONFIRM_TIMEOUT_MS). */
  readonly confirmTimeoutMs?: number;
}

/** What the tools need to ask: the server's signer of confirmation states. */
interface ToolOptions extends ConfirmOptions {
  readonly states: ConfirmationStates;
}

/** Registers one MCP tool per capability operation. */
export function registerTools(server: McpServer, capability: Capability, clerk: ClerkClient, options: ToolOptions): void {
  for (const op of capability.operations) {
    const asks = options.confirm !== false && confirmationReason(op) !== undefined;
    server.registerTool(
      op.name,
      {
        title: op.title,
        description: op.description,
        inputSchema: inputSchema(op),
        outputSchema: outputSchema(op),
        annotations: annotationsFor(op),
      },
      async (args: Record<string, unknown>, ctx): Promise<CallToolResult | InputRequiredResult> => {
        try {
          const { signal } = ctx.mcpReq;
          const request = toRequest(op, args, signal);
          if (asks) {
            const question = async (): Promise<string> => clerk.redact(confirmationMessage(op, args, request, await lookUpQuestionContext(clerk, args, signal)));
            const step = await confirmStep(server, ctx, options.states, { tool: op.name, args, question });
            if (step.kind === 'ask') return step.result;
            // An error result: the agent must not read a refusal as done (and a success would need structuredContent).
            if (step.kind === 'refused') {
              return { isError: true, content: [{ type: 'text', text: clerk.redact(`${op.name} was not run: ${step.why}. Nothing was sent to Clerk. Do not retry unless the user asks to.`) }] };
            }
          }
          const { response } = await clerk.request(request);
          const structured = shapeOutput(op, { response });
          // Compact: the same JSON as structuredContent, for clients that read only text.
          return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
        } catch (error) {
          // Clerk's refusals and network failures are answers; anything else is a bug worth a stack on stderr.
          if (!(error instanceof ClerkApiError || error instanceof ClerkRequestError)) {
            log(`unexpected error in ${op.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, clerk);
          }
          return { isError: true, content: [{ type: 'text', text: clerk.redact(describeFailure(op.name, error)) }] };
        }
      },
    );
  }
}

/** Turns validated tool arguments into a Clerk request: ids into path segments, the rest into query or form. */
export function toRequest(op: OperationSpec, args: Readonly<Record<string, unknown>>, signal?: AbortSignal): ClerkRequest {
  // Each id becomes exactly one path segment ("/" and "%" are encoded too).
  const path = op.path.replace(/\{([^{}]+)\}/g, (_, name: string) => encodeURIComponent(String(args[name])));
  const query: [string, QueryValue][] = [];
  const form: [string, FormValue][] = [];
  for (const p of op.inputParameters) {
    const value = args[p.name];
    if (value === undefined || p.in === 'path') continue;
    if (p.in === 'query') query.push([p.name, value as QueryValue]);
    // A free-form object body (the seed's `body`) is sent field by field.
    else if (p.type === 'object' && isRecord(value)) form.push(...(Object.entries(value) as [string, FormValue][]));
    else form.push([p.name, value as FormValue]);
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

/** Applies the operation's output mapping to the envelope, and gives every list one shape. */
export function shapeOutput(op: OperationSpec, envelope: { response: unknown }): Record<string, unknown> {
  const payload = select(envelope, op.output.value);
  const unexpected = (what: string): ClerkRequestError =>
    new ClerkRequestError({ method: op.method, path: op.path }, 'no-payload', `Clerk's answer has an unexpected shape: ${what}.`, false);
  if (op.output.type === 'array') {
    // Clerk answers lists as a bare array or as { data, total_count }, depending on the endpoint.
    if (Array.isArray(payload)) return { data: payload, total_count: payload.length };
    if (isRecord(payload) && Array.isArray(payload.data)) {
      return { data: payload.data, total_count: typeof payload.total_count === 'number' ? payload.total_count : payload.data.length };
    }
    throw unexpected(`expected a list at ${op.output.value}`);
  }
  if (!isRecord(payload)) throw unexpected(`expected an object at ${op.output.value}`);
  return payload;
}

/** Follows a `$.a.b` mapping; `$.` is the whole value. */
function select(root: unknown, path: string): unknown {
  const keys = path.slice(2).split('.').filter(Boolean);
  return keys.reduce<unknown>((node, key) => (isRecord(node) && Object.hasOwn(node, key) ? node[key] : undefined), root);
}
