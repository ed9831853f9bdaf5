import { McpServer } from '@modelcontextprotocol/server';
import { CONFIRM_TIMEOUT_MS } from '../engine/confirm.js';
import { toolDefinitions } from '../engine/definitions.js';
import type { ToolExecutor } from '../engine/executor.js';
import type { Capability } from '../engine/model.js';
import { VERSION } from '../version.js';
import { ConfirmationStates } from './confirm-step.js';
import { LazyJsonSchemaValidator } from './json-schema-validator.js';
import { registerOrganizationsResource } from './organizations.js';
import { registerTools, type ConfirmOptions } from './register.js';
import { verifySignInState, type SignInOffer } from './sign-in-step.js';

export interface ServerOptions extends ConfirmOptions {
  readonly capability: Capability;
  /** Runs the tools and reads the resource (e.g. Clerk's executor). */
  readonly executor: ToolExecutor;
  /** What the server tells agents, for the tools served. */
  readonly instructions: string;
  /**
   * Signs and checks confirmations. Default: a new one for this server, enough when one server
   * serves the whole connection (stdio); a server per request (HTTP) needs one shared by all.
   */
  readonly states?: ConfirmationStates;
  /** A sign-in page to send the user to when a tool is called with no usable sign-in (none: the tool's error says how to sign in). */
  readonly signIn?: SignInOffer | undefined;
}

/**
 * Builds the MCP server with one tool per capability operation; connect it to any transport, or
 * hand it as a factory to an entry that serves both protocol eras. Destructive and bulk tools ask
 * the user first when the client supports elicitation, unless `confirm` is false. To serve fewer
 * tools, narrow the capability (`selectOperations`).
 */
export function createServer({ capability, executor, instructions, states: shared, signIn, ...confirm }: ServerOptions): McpServer {
  const timeoutMs = confirm.confirmTimeoutMs ?? CONFIRM_TIMEOUT_MS;
  const states = shared ?? new ConfirmationStates(timeoutMs);
  const server = new McpServer(
    { name: 'clerk-invitations-mcp', title: capability.label, version: VERSION },
    {
      instructions,
      jsonSchemaValidator: new LazyJsonSchemaValidator(),
      // A confirmation's (or a sign-in's) state comes back from the client: refused before any handler runs unless
      // this process signed it and it has not expired (the handler then checks what it is bound to).
      requestState: { verify: (state, ctx) => states.verify(state, ctx).catch((error: unknown) => verifySignInState(state, ctx).catch(() => Promise.reject(error))) },
      // 2025-era clients are asked through elicitation/create, as long as a 2026 client may take to answer.
      inputRequired: { roundTimeoutMs: timeoutMs },
    },
  );
  registerTools(server, toolDefinitions(capability), executor, { ...confirm, states, signIn });
  const { organizations } = executor;
  if (organizations) registerOrganizationsResource(server, { organizations: (signal) => organizations.call(executor, signal), explain: (what, error) => executor.explain(what, error) });
  return server;
}
