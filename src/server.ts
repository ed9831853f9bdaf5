import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Capability } from './capability/model.js';
import type { ClerkClient } from './clerk/client.js';
import { LazyJsonSchemaValidator } from './json-schema-validator.js';
import { registerOrganizationsResource } from './resources/organizations.js';
import { registerTools, type ConfirmOptions } from './tools/register.js';
import { VERSION } from './version.js';

export interface ServerOptions extends ConfirmOptions {
  readonly capability: Capability;
  readonly clerk: ClerkClient;
}

const INSTRUCTIONS = `Manage the invitations of Clerk organizations as the signed-in user, who must be allowed to manage the organization's members (e.g. role org:admin).
Organization ids look like org_…, invitation ids like orginv_…. When the user names an organization rather than giving its id, read the resource clerk://organizations: it lists the organizations the signed-in user can manage (id, name, slug, role); match the name or slug there and use its id as organization_id.
To see what exists before changing anything, list invitations (filter with status=pending).
Creating an invitation emails the person unless notify is false; never repeat a create that failed without an answer: list first, an invitation may already exist.`;

/**
 * Builds the MCP server with one tool per capability operation; connect it to any transport.
 * Destructive and bulk tools ask the user first when the client supports elicitation, unless
 * `confirm` is false. To serve fewer tools, narrow the capability (`selectOperations`).
 */
export function createServer({ capability, clerk, ...confirm }: ServerOptions): McpServer {
  const server = new McpServer(
    { name: 'clerk-invitations-mcp', title: capability.label, version: VERSION },
    { instructions: INSTRUCTIONS, jsonSchemaValidator: new LazyJsonSchemaValidator() },
  );
  registerTools(server, capability, clerk, confirm);
  registerOrganizationsResource(server, clerk);
  return server;
}
