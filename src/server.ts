import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Capability } from './capability/model.js';
import type { ClerkClient } from './clerk/client.js';
import { LazyJsonSchemaValidator } from './json-schema-validator.js';
import { registerTools } from './tools/register.js';
import { VERSION } from './version.js';

export interface ServerOptions {
  readonly capability: Capability;
  readonly clerk: ClerkClient;
}

const INSTRUCTIONS = `Manage the invitations of Clerk organizations as the signed-in user, who must be allowed to manage the organization's members (e.g. role org:admin).
Organization ids look like org_…, invitation ids like orginv_…. To see what exists before changing anything, list invitations (filter with status=pending).
Creating an invitation emails the person unless notify is false; never repeat a create that failed without an answer: list first, an invitation may already exist.`;

/** Builds the MCP server with one tool per capability operation; connect it to any transport. */
export function createServer({ capability, clerk }: ServerOptions): McpServer {
  const server = new McpServer({ name: 'clerk-invitations-mcp', title: capability.label, version: VERSION }, { instructions: INSTRUCTIONS, jsonSchemaValidator: new LazyJsonSchemaValidator() });
  registerTools(server, capability, clerk);
  return server;
}
