// An informational row of `npm run bench`: a plain MCP SDK v2 server, as its guides write one.
// `McpServer` served by `serveStdio` (both protocol eras), one zod-validated tool making the same
// GET as the forwarder (bench/forwarder.mjs: URL, query, headers, node:http keep-alive agent of 8
// sockets) and returning Clerk's payload as text and structuredContent. No output schema, no
// instructions: what the SDK itself costs, beside the forwarder that has no SDK at all.
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';
import { listInvitations } from './list-invitations.mjs';

serveStdio(() => {
  const server = new McpServer({ name: 'minimal-sdk2', version: '1.0.0' });
  server.registerTool(
    'getOrganizationInvitations',
    { inputSchema: z.object({ organization_id: z.string(), status: z.string(), limit: z.number() }) },
    async (args) => {
      const payload = await listInvitations(args);
      return { content: [{ type: 'text', text: JSON.stringify(payload) }], structuredContent: payload };
    },
  );
  return server;
});
