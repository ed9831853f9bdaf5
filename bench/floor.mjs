// node bench/floor.mjs: where the burst and memory figures of `npm run bench` could go, measured
// side by side with the same loopback Clerk, direct requests and bursts as bench/run.mjs:
// - minimal-sdk-server.mjs: the MCP SDK's McpServer and one zod tool making the GET with Node's http;
// - minimal-ky-server.mjs: the same, through ky (on Node's fetch), as this project's stack requires;
// - dist/index.js: this server.
// Informational: it exits 0 whatever it finds. BENCHMARKS.md quotes it.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rpc } from './rpc.mjs';

const BURSTS = 7;
const CONCURRENCY = 200;
const TOKEN = 'client_bench_token';
const ARGS = { organization_id: 'org_2q8mBenchOrganization00', status: 'pending', limit: 10 };
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const SERVERS = {
  'McpServer + node:http (minimal)': here('./minimal-sdk-server.mjs'),
  'McpServer + ky (minimal)': here('./minimal-ky-server.mjs'),
  'clerk-invitations-mcp': here('../dist/index.js'),
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const fake = spawn(process.execPath, [here('./fake-clerk.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => fake.stdout.setEncoding('utf8').once('data', (line) => resolve(line.trim())));
const env = { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'clerk-floor-')), CLERK_FRONTEND_API_URL: url, CLERK_CLIENT_TOKEN: TOKEN };
const directUrl = `${url}/v1/organizations/${ARGS.organization_id}/invitations?${new URLSearchParams({ status: ARGS.status, limit: String(ARGS.limit), _is_native: '1', __clerk_api_version: '2026-05-12' })}`;
const direct = () => fetch(directUrl, { headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}` } }).then((r) => r.json());
const call = { method: 'tools/call', params: { name: 'getOrganizationInvitations', arguments: ARGS } };

const rows = [];
for (const [name, script] of Object.entries(SERVERS)) {
  const server = new Rpc([script], env);
  await server.initialize();
  const times = { server: [], direct: [] };
  for (let i = -1; i < BURSTS; i++) {
    for (const which of i % 2 ? ['direct', 'server'] : ['server', 'direct']) {
      const t0 = performance.now();
      if (which === 'server') await Promise.all(server.send(Array.from({ length: CONCURRENCY }, () => call)));
      else await Promise.all(Array.from({ length: CONCURRENCY }, direct));
      if (i >= 0) times[which].push(performance.now() - t0);
    }
  }
  const rss = (await server.peakRss()) / 2 ** 20;
  await server.close();
  const ratio = median(times.server) / median(times.direct);
  rows.push(`| ${name} | ${median(times.server).toFixed(1)} ms | ${median(times.direct).toFixed(1)} ms | ${ratio.toFixed(2)}× | ${rss.toFixed(1)} MB |`);
}
fake.stdin.end();
process.stdout.write(`| server | burst (${CONCURRENCY}) | direct | ratio | peak RSS |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`);
