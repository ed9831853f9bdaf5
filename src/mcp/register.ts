import type { CallToolResult, InputRequiredResult, McpServer } from '@modelcontextprotocol/server';
import { confirmationMessage } from '../engine/confirm.js';
import type { ToolDefinition } from '../engine/definitions.js';
import type { ToolExecutor } from '../engine/executor.js';
import { toRequest } from '../engine/request.js';
import { log } from '../log.js';
import { confirmStep, type ConfirmationStates } from './confirm-step.js';
import { signInStep, type SignInOffer } from './sign-in-step.js';

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
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: tool.annotations,
      },
      async (args: Record<string, unknown>, ctx): Promise<CallToolResult | InputRequiredResult> => {
        try {
          const { signal } = ctx.mcpReq;
          // No usable sign-in: the user is sent to a sign-in page first, when the client can open one.
          if (options.signIn) {
            const step = await signInStep(server, ctx, options.signIn);
            if (step.kind === 'ask') return step.result;
            if (step.kind === 'refused') return { isError: true, content: [{ type: 'text', text: `${tool.name} was not run: ${step.why}. Nothing was sent to ${executor.serviceName ?? 'Clerk'}. ${options.signIn.howTo}` }] };
          }
          if (asks) {
            const request = toRequest(tool.operation, args, signal);
            const question = async (): Promise<string> => executor.redact(confirmationMessage(tool.operation, args, request, await executor.questionContext(args, signal)));
            const step = await confirmStep(server, ctx, options.states, { tool: tool.name, args, question });
            if (step.kind === 'ask') return step.result;
            // An error result: the agent must not read a refusal as done (and a success would need structuredContent).
            if (step.kind === 'refused') {
              return { isError: true, content: [{ type: 'text', text: executor.redact(`${tool.name} was not run: ${step.why}. Nothing was sent to ${executor.serviceName ?? 'Clerk'}. Do not retry unless the user asks to.`) }] };
            }
          }
          const structured = await executor.execute(tool, args, signal);
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

/** A call carried out whose answer cannot be returned: an error result that says whether it was done. */
function unusable(tool: ToolDefinition, args: Readonly<Record<string, unknown>>, executor: ToolExecutor, problem: string): CallToolResult {
  log(`the answer to ${tool.name} cannot be returned: ${problem}`, executor);
  return { isError: true, content: [{ type: 'text', text: executor.unusableAnswer(tool, args, problem) }] };
}
