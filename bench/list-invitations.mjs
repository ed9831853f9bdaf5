// The GET of `tools/call getOrganizationInvitations`, as clerk-invitations-mcp makes it (same URL,
// query order and headers), through node:http with a keep-alive agent of the server's default size
// (8 sockets, CLERK_MAX_CONCURRENCY). Shared by the bench's forwarder and minimal SDK v2 server.
import { Agent, request } from 'node:http';

const base = new URL(process.env.CLERK_FRONTEND_API_URL);
const headers = { accept: 'application/json', authorization: `Bearer ${process.env.CLERK_CLIENT_TOKEN}` };
const apiVersion = process.env.CLERK_API_VERSION;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Resolves with the `response` field of Clerk's answer. */
export function listInvitations({ organization_id, status, limit }) {
  const query = new URLSearchParams({ status, limit: String(limit), _is_native: '1', __clerk_api_version: apiVersion });
  const url = new URL(`/v1/organizations/${encodeURIComponent(organization_id)}/invitations?${query}`, base);
  return new Promise((resolve, reject) => {
    request(url, { agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body).response) : reject(new Error(`Clerk answered ${res.statusCode}`))));
    })
      .on('error', reject)
      .end();
  });
}
