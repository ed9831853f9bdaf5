// The floor of the HTTP table of `npm run bench`: a minimal node:http forwarder, no SDK, no zod.
// POST /mcp with `Authorization: Bearer <CLERK_MCP_HTTP_TOKEN>` and a JSON-RPC `tools/call
// getOrganizationInvitations` body: makes the GET the server makes (bench/list-invitations.mjs:
// same URL, query, headers; node:http keep-alive) and answers Clerk's `response` payload as the
// server does (compact JSON text and structuredContent), as one JSON response. Anything else gets
// an error. Nothing is validated beyond that. Prints its URL on stdout.
import { createServer } from 'node:http';
import { listInvitations } from './list-invitations.mjs';

const expected = `Bearer ${process.env.CLERK_MCP_HTTP_TOKEN}`;

function reply(res, status, message) {
  const body = JSON.stringify(message);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/mcp') return reply(res, 404, { error: 'not found' });
  if (req.headers.authorization !== expected) return reply(res, 401, { error: 'unauthorized' });
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const message = JSON.parse(body);
    const { id, params } = message;
    if (message.method !== 'tools/call' || params?.name !== 'getOrganizationInvitations') {
      return reply(res, 200, { jsonrpc: '2.0', id, error: { code: -32601, message: `Not served: ${message.method}` } });
    }
    listInvitations(params.arguments ?? {}).then(
      (payload) => reply(res, 200, { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: JSON.stringify(payload) }], structuredContent: payload } }),
      (error) => reply(res, 200, { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: error.message }], isError: true } }),
    );
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}/mcp\n`));
process.stdin.on('end', () => process.exit(0)).resume();
