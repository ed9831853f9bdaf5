import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Capability } from './capability/model.js';
import type { ClerkClient } from './clerk/client.js';
import { serverInstructions } from './instructions.js';
import { LazyJsonSchemaValidator } from './json-schema-validator.js';
import { registerOrganizationsResource } from './resources/organizations.js';
import { registerTools, type ConfirmOptions } from './tools/register.js';
import { VERSION } from './version.js';

export interface ServerOptions extends ConfirmOptions {
  readonly capability: Capability;
  readonly clerk: ClerkClient;
}

/**
 * Builds the MCP server with one tool per capability operation; connect it to any transport.
 * Destructive and bulk tools ask the user first when the client supports elicitation, unless
 * `confirm` is false. To serve fewer tools, narrow the capability (`selectOperations`).
 */
export function createServer({ capability, clerk, ...confirm }: ServerOptions): McpServer {
  const server = new McpServer(
    { name: 'clerk-invitations-mcp', title: capability.label, version: VERSION },
    { instructions: serverInstructions(capability.operations), jsonSchemaValidator: new LazyJsonSchemaValidator() },
  );
  registerTools(server, capability, clerk, confirm);
  registerOrganizationsResource(server, clerk);
  return server;
}
