import type { McpServer } from '@modelcontextprotocol/server';
import { listMemberships } from '../clerk/account.js';
import type { ClerkClient } from '../clerk/client.js';
import { describeFailure } from '../clerk/errors.js';

export const ORGANIZATIONS_URI = 'clerk://organizations';

/**
 * The organizations where the signed-in user may manage members, so that an agent can turn
 * "invite Ann to Acme" into an organization_id. Read from Clerk on every read: roles change.
 */
export function registerOrganizationsResource(server: McpServer, clerk: ClerkClient): void {
  server.registerResource(
    'organizations',
    ORGANIZATIONS_URI,
    {
      title: 'Organizations you can manage',
      description: 'The organizations where the signed-in Clerk user may manage members (invite, revoke): id (the organization_id of the tools), name, slug and role.',
      mimeType: 'application/json',
    },
    async (uri, ctx) => {
      let memberships;
      try {
        memberships = await listMemberships(clerk, ctx.mcpReq.signal);
      } catch (error) {
        // Becomes the JSON-RPC error of resources/read; the same words as a failed tool.
        throw new Error(clerk.redact(describeFailure(`reading ${ORGANIZATIONS_URI}`, error)), { cause: error });
      }
      const organizations = memberships.filter((m) => m.canManageMembers).map((m) => ({ id: m.id, name: m.name, slug: m.slug ?? null, role: m.role }));
      const others = memberships.length - organizations.length;
      const body = { organizations, ...(others > 0 ? { note: `The user also belongs to ${others} organization(s) without permission to manage members; they are not listed.` } : {}) };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
    },
  );
}
