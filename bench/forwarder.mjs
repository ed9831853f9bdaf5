// The floor of `npm run bench`: a minimal stdio forwarder, no SDK, no zod. JSON-RPC lines in and
// out. `initialize` and `tools/list` are answered with the real server's own results, recorded by
// the bench (argv[2], the file bench/bare-server.mjs reads: the same bytes, all five tools).
// `tools/call getOrganizationInvitations` makes the GET the server makes (bench/list-invitations.mjs:
// same URL, query and headers; node:http, keep-alive) and returns Clerk's `response` payload as the
// server does (compact JSON text and structuredContent). Answers ready together go out in one write,
// as the server's do. Nothing is validated: what a user could write by hand, a floor to compare with.
import { readFileSync } from 'node:fs';
import { setImmediate } from 'node:timers';
import { listInvitations } from './list-invitations.mjs';

const canned = JSON.parse(readFileSync(process.argv[2], 'utf8'));

let queued = [];
function answer(id, outcome) {
  if (queued.length === 0) setImmediate(flush);
  queued.push(JSON.stringify({ jsonrpc: '2.0', id, ...outcome }));
}
function flush() {
  process.stdout.write(`${queued.join('\n')}\n`);
  queued = [];
}

function call(id, params) {
  if (params?.name !== 'getOrganizationInvitations') return answer(id, { error: { code: -32602, message: `Unknown tool: ${params?.name}` } });
  listInvitations(params.arguments ?? {}).then(
    (payload) => answer(id, { result: { content: [{ type: 'text', text: JSON.stringify(payload) }], structuredContent: payload } }),
    (error) => answer(id, { result: { content: [{ type: 'text', text: error.message }], isError: true } }),
  );
}

let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    if (!line.trim()) continue;
    const message = JSON.parse(line);
    if (message.id === undefined) continue; // notifications/initialized and the like
    if (message.method === 'tools/call') call(message.id, message.params);
    else if (canned[message.method] !== undefined) answer(message.id, { result: canned[message.method] });
    else answer(message.id, { error: { code: -32601, message: `Method not found: ${message.method}` } });
  }
});
