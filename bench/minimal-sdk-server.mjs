// The floor for `npm run bench`'s burst figure: the MCP SDK's McpServer over its own stdio
// transport, one zod-validated tool that makes the same GET with Node's http client (keep-alive)
// and returns Clerk's payload, no more. Used by `node bench/run.mjs --floor` (BENCHMARKS.md).
import { Agent, request } from 'node:http';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

const base = new URL(process.env.CLERK_FRONTEND_API_URL);
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const server = new McpServer({ name: 'minimal', version: '1.0.0' });
server.registerTool(
  'getOrganizationInvitations',
  { inputSchema: z.object({ organization_id: z.string(), status: z.string().optional(), limit: z.number().optional() }) },
  (args) =>
    new Promise((resolve, reject) => {
      const url = new URL(`/v1/organizations/${encodeURIComponent(args.organization_id)}/invitations?status=${args.status}&limit=${args.limit}&_is_native=1`, base);
      request(url, { agent, headers: { authorization: `Bearer ${process.env.CLERK_CLIENT_TOKEN}` } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => {
          const { response } = JSON.parse(body);
          resolve({ content: [{ type: 'text', text: JSON.stringify(response) }], structuredContent: response });
        });
      }).on('error', reject).end();
    }),
);
await server.connect(new StdioServerTransport());
