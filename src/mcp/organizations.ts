import type { McpServer } from '@modelcontextprotocol/server';
import type { ToolExecutor } from '../engine/executor.js';

export const ORGANIZATIONS_URI = 'clerk://organizations';

/**
 * The organizations where the signed-in user may manage members, so that an agent can turn
 * "invite Ann to Acme" into an organization_id. Read on every read (roles change), through the executor.
 */
export function registerOrganizationsResource(server: McpServer, executor: Required<Pick<ToolExecutor, 'organizations' | 'explain'>>): void {
  server.registerResource(
    'organizations',
    ORGANIZATIONS_URI,
    {
      title: 'Organizations you can manage',
      description: 'The organizations where the signed-in Clerk user may manage members (invite, revoke): id (the organization_id of the tools), name, slug and role.',
      mimeType: 'application/json',
    },
    async (uri, ctx) => {
      let body;
      try {
        body = await executor.organizations(ctx.mcpReq.signal);
      } catch (error) {
        // Becomes the JSON-RPC error of resources/read; the same words as a failed tool.
        throw new Error(executor.explain(`reading ${ORGANIZATIONS_URI}`, error).text, { cause: error });
      }
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
    },
  );
}
