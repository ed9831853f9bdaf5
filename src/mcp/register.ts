import type { CallToolResult, InputRequiredResult, McpServer, ServerContext } from '@modelcontextprotocol/server';
import { confirmationMessage } from '../engine/confirm.js';
import type { ToolDefinition } from '../engine/definitions.js';
import type { ExecutionContext, ToolExecutor } from '../engine/executor.js';
import { toRequest } from '../engine/request.js';
import { log } from '../log.js';
import { confirmStep, type ConfirmationStates } from './confirm-step.js';
import { signInStep, type SignInOffer } from './sign-in-step.js';
import { convertedOnce } from './tool-schemas.js';

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
  readonly signIn: SignInOffer | undefined;
}

/** Registers one MCP tool per definition, run by `executor`. */
export function registerTools(server: McpServer, tools: readonly ToolDefinition[], executor: ToolExecutor, options: ToolOptions): void {
  for (const tool of tools) {
    const asks = options.confirm !== false && tool.confirm !== undefined;
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: convertedOnce(tool.inputSchema),
        outputSchema: convertedOnce(tool.outputSchema),
        annotations: tool.annotations,
      },
      async (args: Record<string, unknown>, ctx): Promise<CallToolResult | InputRequiredResult> => {
        try {
          const { signal } = ctx.mcpReq;
          // No usable sign-in: the user is sent to a sign-in page first, when the client can open one.
          if (options.signIn) {
            const step = await signInStep(server, ctx, options.signIn, tool.name);
            if (step.kind === 'ask') return step.result;
            if (step.kind === 'refused') return { isError: true, content: [{ type: 'text', text: `${tool.name} was not run: ${step.why}. Nothing was sent to ${executor.serviceName ?? 'Clerk'}. ${options.signIn.howTo}` }] };
          }
          let confirmation: string | undefined;
          if (asks) {
            const request = toRequest(tool.operation, args, signal);
            const question = async (): Promise<string> => executor.redact(confirmationMessage(tool.operation, args, request, await executor.questionContext(args, signal)));
            const step = await confirmStep(server, ctx, options.states, { tool: tool.name, args, question });
            if (step.kind === 'ask') return step.result;
            // An error result: the agent must not read a refusal as done (and a success would need structuredContent).
            if (step.kind === 'refused') {
              return { isError: true, content: [{ type: 'text', text: executor.redact(`${tool.name} was not run: ${step.why}. Nothing was sent to ${executor.serviceName ?? 'Clerk'}. Do not retry unless the user asks to.`) }] };
            }
            confirmation = step.confirmation;
          }
          const ran = await executeSignedIn(server, ctx, tool, args, executor, options.signIn, confirmation === undefined ? undefined : { confirmation });
          if (ran.kind !== 'done') return ran.result;
          const { structured } = ran;
          // The call was carried out: from here on, a failure must not read as "not done" (a create
          // repeated invites twice). The SDK would check the output schema after this handler
          // returns, where a mismatch reads as a plain failure: checked here instead.
          let text: string;
          try {
            const checked = tool.outputSchema.safeParse(structured);
            if (!checked.success) return unusable(tool, args, executor, checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
            // Compact: the same JSON as structuredContent, for clients that read only text.
            text = JSON.stringify(structured);
          } catch (error) {
            return unusable(tool, args, executor, error instanceof Error ? error.message : String(error));
          }
          return { content: [{ type: 'text', text }], structuredContent: structured };
        } catch (error) {
          const failure = executor.explain(tool.name, error);
          if (!failure.expected) log(`unexpected error in ${tool.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, executor);
          return { isError: true, content: [{ type: 'text', text: failure.text }] };
        }
      },
    );
  }
}

/**
 * Runs the tool; when Clerk refuses it because the stored sign-in has ended, offers the sign-in
 * page and runs it again, once. A write too: `ended` holds only for a refusal of the call's one
 * request as signed out (401), before Clerk did anything for it, so the write was not applied.
 * Gives the tool's result, or the page's `input_required` for a 2026-07-28 client.
 */
async function executeSignedIn(server: McpServer, ctx: ServerContext, tool: ToolDefinition, args: Record<string, unknown>, executor: ToolExecutor, signIn: SignInOffer | undefined, context: ExecutionContext | undefined): Promise<{ readonly kind: 'done'; readonly structured: Record<string, unknown> } | { readonly kind: 'ask'; readonly result: InputRequiredResult } | { readonly kind: 'again'; readonly result: CallToolResult }> {
  try {
    return { kind: 'done', structured: await executor.execute(tool, args, ctx.mcpReq.signal, context) };
  } catch (error) {
    if (!signIn?.ended(error)) throw error;
    const step = await signInStep(server, ctx, signIn, tool.name, { ended: true });
    if (step.kind === 'ask') return step;
    // No page for this client, or no sign-in on it: Clerk's refusal stands (its error says how to sign in).
    if (step.kind === 'refused') throw error;
    // The user confirmed this call as the account that was signed in; whoever signed in on the page
    // may be someone else: the call is not run for them unasked. (A 2026-07-28 client comes back
    // with the page's state, and its question is asked again.)
    if (context?.confirmation !== undefined) {
      const service = executor.serviceName ?? 'Clerk';
      return { kind: 'again', result: { isError: true, content: [{ type: 'text', text: `${tool.name} was not run: the sign-in had ended, and the user confirmed it before signing in again. Nothing was sent to ${service}. Call it again: the user will be asked to confirm as the account now signed in.` }] } };
    }
    return { kind: 'done', structured: await executor.execute(tool, args, ctx.mcpReq.signal, context) };
  }
}

/** A call carried out whose answer cannot be returned: an error result that says whether it was done. */
function unusable(tool: ToolDefinition, args: Readonly<Record<string, unknown>>, executor: ToolExecutor, problem: string): CallToolResult {
  log(`the answer to ${tool.name} cannot be returned: ${problem}`, executor);
  return { isError: true, content: [{ type: 'text', text: executor.unusableAnswer(tool, args, problem) }] };
}
