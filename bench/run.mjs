// npm run bench: measures the built server against its baselines, side by side in one run, and
// prints one table. Exits 1 when a figure misses its target. See BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rpc } from './rpc.mjs';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    calls: { type: 'string', default: '1000' },
    bursts: { type: 'string', default: '7' },
    concurrency: { type: 'string', default: '200' },
  },
});
const RUNS = Number(opts.runs);
const CALLS = Number(opts.calls);
const BURSTS = Number(opts.bursts);
const CONCURRENCY = Number(opts.concurrency);

const TARGETS = { startup: 1.5, overheadMs: 0.75, burst: 1.3, rssMb: 80 };

const BIN = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-server.mjs', import.meta.url));
const FAKE_CLERK = fileURLToPath(new URL('./fake-clerk.mjs', import.meta.url));

const TOKEN = 'client_bench_token';
const API_VERSION = '2026-05-12';
const TOOL = 'getOrganizationInvitations';
const ARGS = { organization_id: 'org_2q8mBenchOrganization00', status: 'pending', limit: 10 };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const iqr = (xs, digits) => `${quantile(xs, 0.25).toFixed(digits)}–${quantile(xs, 0.75).toFixed(digits)}`;

async function startFakeClerk() {
  const child = spawn(process.execPath, [FAKE_CLERK], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`fake Clerk exited (${code})`)));
  });
  return { url, close: () => child.stdin.end() };
}

/** Spawn to the answer of tools/list (after initialize), for one process; it is then closed. */
async function startupMs(args, env) {
  const rpc = new Rpc(args, env);
  const initialize = await rpc.initialize();
  const list = await rpc.request('tools/list');
  const ms = performance.now() - rpc.startedAt;
  await rpc.close();
  if (!list.result?.tools?.length) throw new Error(`${args.join(' ')}: tools/list answered without tools: ${JSON.stringify(list).slice(0, 300)}`);
  return { ms, initialize, list };
}

const callRequest = { method: 'tools/call', params: { name: TOOL, arguments: ARGS } };

function checkCall(answer) {
  if (answer.error || answer.result?.isError || answer.result?.structuredContent?.total_count !== 5) {
    throw new Error(`${TOOL} did not answer as expected: ${JSON.stringify(answer).slice(0, 500)}`);
  }
}

async function main() {
  const clerk = await startFakeClerk();
  // A clean environment, with an empty HOME: nothing of the developer's own settings or files reaches the server.
  const home = mkdtempSync(join(tmpdir(), 'clerk-bench-'));
  const env = { PATH: process.env.PATH ?? '', HOME: home, CLERK_FRONTEND_API_URL: clerk.url, CLERK_CLIENT_TOKEN: TOKEN };
  try {
    // The exact request the server makes for ARGS: same URL, query order and headers.
    const directUrl = `${clerk.url}/v1/organizations/${ARGS.organization_id}/invitations?${new URLSearchParams({ status: ARGS.status, limit: String(ARGS.limit), _is_native: '1', __clerk_api_version: API_VERSION })}`;
    const headers = { accept: 'application/json', authorization: `Bearer ${TOKEN}` };
    const direct = async () => {
      const response = await fetch(directUrl, { headers });
      if (!response.ok) throw new Error(`direct request answered ${response.status}`);
      return response.json();
    };

    // Startup: the bare baseline answers with the server's own recorded answers (same bytes).
    const first = await startupMs([BIN], env);
    const canned = join(home, 'canned.json');
    writeFileSync(canned, JSON.stringify({ initialize: first.initialize.result, 'tools/list': first.list.result }));
    const startup = { server: [], bare: [] };
    for (let i = 0; i < RUNS; i++) {
      // Alternating, with the order flipped every other run, so that drift hits both alike.
      const order = i % 2 ? ['bare', 'server'] : ['server', 'bare'];
      for (const which of order) startup[which].push((await startupMs(which === 'server' ? [BIN] : [BARE, canned], env)).ms);
    }

    // Per call and bursts: one long-lived server, as a client keeps it.
    const server = new Rpc([BIN], env);
    await server.initialize();
    await server.request('tools/list');
    checkCall(await server.request(callRequest.method, callRequest.params));
    for (let i = 0; i < 200; i++) {
      await server.request(callRequest.method, callRequest.params);
      await direct();
    }
    const perCall = { server: [], direct: [] };
    for (let i = 0; i < CALLS; i++) {
      const t0 = performance.now();
      await server.request(callRequest.method, callRequest.params);
      const t1 = performance.now();
      await direct();
      const t2 = performance.now();
      perCall.server.push(t1 - t0);
      perCall.direct.push(t2 - t1);
    }

    const burst = { server: [], direct: [] };
    const burstOf = {
      server: async () => (await Promise.all(server.send(Array.from({ length: CONCURRENCY }, () => callRequest)))).forEach(checkCall),
      direct: () => Promise.all(Array.from({ length: CONCURRENCY }, direct)),
    };
    for (let i = -1; i < BURSTS; i++) {
      const order = i % 2 ? ['direct', 'server'] : ['server', 'direct'];
      for (const which of order) {
        const t0 = performance.now();
        await burstOf[which]();
        // The first round opens the connections on both sides: not counted.
        if (i >= 0) burst[which].push(performance.now() - t0);
      }
    }
    const rssMb = (await server.peakRss()) / 2 ** 20;
    await server.close();

    const rows = [
      {
        figure: 'startup (spawn → tools/list)',
        measured: `${median(startup.server).toFixed(1)} ms (IQR ${iqr(startup.server, 1)})`,
        baseline: `${median(startup.bare).toFixed(1)} ms (IQR ${iqr(startup.bare, 1)}) bare node`,
        value: median(startup.server) / median(startup.bare),
        unit: '×',
        target: TARGETS.startup,
      },
      {
        figure: 'per-call overhead',
        measured: `${median(perCall.server).toFixed(3)} ms (IQR ${iqr(perCall.server, 3)})`,
        baseline: `${median(perCall.direct).toFixed(3)} ms (IQR ${iqr(perCall.direct, 3)}) direct fetch`,
        value: median(perCall.server) - median(perCall.direct),
        unit: ' ms',
        target: TARGETS.overheadMs,
      },
      {
        figure: `burst (${CONCURRENCY} concurrent)`,
        measured: `${median(burst.server).toFixed(1)} ms (IQR ${iqr(burst.server, 1)})`,
        baseline: `${median(burst.direct).toFixed(1)} ms (IQR ${iqr(burst.direct, 1)}) direct fetch`,
        value: median(burst.server) / median(burst.direct),
        unit: '×',
        target: TARGETS.burst,
      },
      { figure: 'peak RSS after the bursts', measured: `${rssMb.toFixed(1)} MB`, baseline: '', value: rssMb, unit: ' MB', target: TARGETS.rssMb },
    ];
    printTable(rows);
    const missed = rows.filter((r) => !(r.value <= r.target));
    if (missed.length) {
      process.stderr.write(`\nMissed: ${missed.map((r) => r.figure).join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    clerk.close();
    rmSync(home, { recursive: true, force: true });
  }
}

function printTable(rows) {
  const digits = (r) => (r.unit === ' ms' ? 3 : r.unit === '×' ? 2 : 1);
  const table = [
    ['figure', 'server', 'baseline', 'result', 'target', ''],
    ...rows.map((r) => [r.figure, r.measured, r.baseline, `${r.value.toFixed(digits(r))}${r.unit}`, `≤ ${r.target}${r.unit}`, r.value <= r.target ? 'ok' : 'MISSED']),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  const out = [line(table[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.slice(1).map(line)];
  process.stdout.write(`${out.join('\n')}\n\n`);
  process.stdout.write(
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB; ` +
      `startup: ${RUNS} alternating runs each; per call: ${CALLS} alternating calls each; bursts: ${BURSTS} alternating rounds each.\n`,
  );
}

await main();
