import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { McpServer } from '@modelcontextprotocol/server';
import ky from 'ky';
import { z } from 'zod';
const http = ky.create({ prefixUrl: process.env.CLERK_FRONTEND_API_URL, timeout: 30000, hooks: { beforeRequest: [(r) => void r.headers.set('authorization', `Bearer ${process.env.CLERK_CLIENT_TOKEN}`)] } });
const server = new McpServer({ name: 'minimal', version: '1.0.0' });
server.registerTool('getOrganizationInvitations', { inputSchema: z.object({ organization_id: z.string(), status: z.string().optional(), limit: z.number().optional() }) }, async (args, ctx) => {
  const res = await http(`v1/organizations/${encodeURIComponent(args.organization_id)}/invitations?status=${args.status}&limit=${args.limit}&_is_native=1`, { signal: ctx.mcpReq.signal, retry: { limit: 2, methods: ['get'] } });
  const { response } = JSON.parse(await res.text());
  return { content: [{ type: 'text', text: JSON.stringify(response) }], structuredContent: response };
});
await server.connect(new StdioServerTransport());
