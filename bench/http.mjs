// The HTTP table of `npm run bench` (issue 11): `serve --http` (local mode) against a minimal
// node:http forwarder doing the same upstream call (bench/http-forwarder.mjs), in one run, against
// the same loopback Clerk as the stdio table.
//
// Each process gets the same requests: the exact bytes the SDK v2 client sends for one
// `tools/call getOrganizationInvitations` in each protocol era (recorded once through the SDK
// client's transport), replayed by a bare node:http load generator with CONCURRENCY requests in
// flight over keep-alive connections. Figures per process: calls per second of wall time; calls per
// second per core (calls ÷ the process's own CPU seconds in the phase, from /proc: what one core
// would sustain, and what the other work on a shared machine does not change much); p50 and p99
// latency. Phases alternate between the processes, the order rotated every round.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const HTTP_TOKEN = 'bench-http-bearer-secret-0123456789';
const CLOCK_TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const rotated = (order, round) => [...order.slice(round % order.length), ...order.slice(0, round % order.length)];

/** The process's CPU seconds so far (user + system), or undefined where /proc is not there. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Spawns `node args`; resolves once `pattern` shows up on `stream`, with the match and the child. */
function startProcess(args, env, stream, pattern) {
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let seen = { stdout: '', stderr: '' };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} printed no ${pattern} within 20 s:\n${seen.stderr}`)), 20_000);
    for (const name of ['stdout', 'stderr']) {
      child[name].setEncoding('utf8').on('data', (chunk) => {
        seen[name] += chunk;
        const match = name === stream && pattern.exec(seen[name]);
        if (match) {
          clearTimeout(timer);
          resolve({ child, url: match[0], output: () => seen });
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code}):\n${seen.stderr}`));
    });
  });
}

/**
 * The bytes the SDK v2 client sends for one tools/call in `era`: connects through its Streamable
 * HTTP transport with a fetch that records, calls once, and keeps the call's headers and body.
 */
async function recordCall(url, era, tool, args) {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  let recorded;
  const recordingFetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : undefined;
    if (body?.includes('"tools/call"')) recorded = { headers: Object.fromEntries(new globalThis.Headers(init.headers)), body };
    return fetch(input, init);
  };
  const options = era === '2025-11-25' ? { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] } : { versionNegotiation: { mode: { pin: era } } };
  const client = new Client({ name: 'clerk-invitations-bench', version: '1.0.0' }, options);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: recordingFetch, requestInit: { headers: { authorization: `Bearer ${HTTP_TOKEN}` } } }));
  const result = await client.callTool({ name: tool, arguments: args });
  await client.close();
  if (result.isError || !recorded) throw new Error(`the ${era} call through the SDK client failed: ${JSON.stringify(result).slice(0, 300)}`);
  return recorded;
}

/** Sends `calls` copies of `call` to `url`, `concurrency` at a time; resolves with each latency (ms). */
function load(url, call, calls, concurrency, check) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latencies = [];
  let sent = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = request(target, { method: 'POST', agent, headers: { ...call.headers, authorization: `Bearer ${HTTP_TOKEN}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          try {
            check(res.statusCode, text);
            resolve();
          } catch (error) {
            reject(error);
          }
        });
      });
      req.on('error', reject);
      req.end(call.body);
    });
  const worker = async () => {
    while (sent < calls) {
      sent++;
      await one();
    }
  };
  return Promise.all(Array.from({ length: concurrency }, worker)).then(
    () => {
      agent.destroy();
      return latencies;
    },
    (error) => {
      agent.destroy();
      throw error;
    },
  );
}

/**
 * Runs the HTTP table. `env` is the bench's clean environment (its loopback Clerk, the client token);
 * `expectCall(name, answer)` checks one answer as the stdio table does. Returns the rows and goals.
 */
export async function httpTable({ bin, env, tool, args, checkCall, calls, rounds, concurrency, cpuProfDir }) {
  const httpEnv = { ...env, CLERK_MCP_HTTP_TOKEN: HTTP_TOKEN };
  const forwarder = await startProcess([here('./http-forwarder.mjs')], httpEnv, 'stdout', /http:\/\/127\.0\.0\.1:\d+\/mcp/);
  const profiling = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const server = await startProcess([...profiling, bin, 'serve', '--http', '--port', '0'], httpEnv, 'stderr', /http:\/\/127\.0\.0\.1:\d+\/mcp/);
  try {
    const eras = ['2025-11-25', '2026-07-28'];
    const requests = Object.fromEntries(await Promise.all(eras.map(async (era) => [era, await recordCall(server.url, era, tool, args)])));
    const runs = {
      forwarder: { label: 'node:http forwarder, no SDK (the floor)', process: forwarder, call: requests['2026-07-28'] },
      ...Object.fromEntries(eras.map((era) => [era, { label: `clerk-invitations-mcp serve --http, ${era}`, process: server, call: requests[era] }])),
    };
    const names = Object.keys(runs);
    const figures = Object.fromEntries(names.map((name) => [name, { latencies: [], wallMs: 0, cpuS: 0, calls: 0 }]));
    const check = (name) => (status, text) => {
      if (status !== 200) throw new Error(`${name}: HTTP ${status}: ${text.slice(0, 300)}`);
      const message = JSON.parse(text.startsWith('event:') || text.startsWith('data:') ? text.split('\n').find((line) => line.startsWith('data:')).slice(5) : text);
      checkCall(name, message);
    };
    // Round -1 warms the processes and opens their connections to Clerk: not counted.
    for (let round = -1; round < rounds; round++) {
      for (const name of rotated(names, round + 1)) {
        const { process: proc, call } = runs[name];
        const cpu0 = cpuSeconds(proc.child.pid);
        const t0 = performance.now();
        const latencies = await load(proc.url, call, round < 0 ? Math.min(calls, 500) : calls, concurrency, check(name));
        const wallMs = performance.now() - t0;
        const cpu1 = cpuSeconds(proc.child.pid);
        if (round < 0) continue;
        const f = figures[name];
        f.latencies.push(...latencies);
        f.wallMs += wallMs;
        f.calls += latencies.length;
        f.cpuS += cpu0 === undefined || cpu1 === undefined ? NaN : cpu1 - cpu0;
      }
    }
    const rows = names.map((name) => {
      const f = figures[name];
      return { name, label: runs[name].label, perSecond: f.calls / (f.wallMs / 1000), perCore: f.calls / f.cpuS, p50: quantile(f.latencies, 0.5), p99: quantile(f.latencies, 0.99) };
    });
    return rows;
  } finally {
    for (const proc of [forwarder, server]) {
      proc.child.stdin.end();
      proc.child.kill('SIGTERM');
    }
  }
}

/** Issue 11's goals for each era's row, against the forwarder. */
export function httpGoals(rows) {
  const floor = rows.find((row) => row.name === 'forwarder');
  return rows
    .filter((row) => row.name !== 'forwarder')
    .flatMap((row) => [
      { figure: `HTTP ${row.name}: calls/s per core`, value: row.perCore / floor.perCore, text: `${((row.perCore / floor.perCore) * 100).toFixed(0)} % of the forwarder`, limit: '≥ 50 %', met: row.perCore / floor.perCore >= 0.5 },
      { figure: `HTTP ${row.name}: p99`, value: row.p99 / floor.p99, text: `${(row.p99 / floor.p99).toFixed(2)}× the forwarder`, limit: '≤ 2×', met: row.p99 / floor.p99 <= 2 },
    ]);
}

/** The table, as markdown. */
export function printHttpTable(rows, goals, { calls, rounds, concurrency }) {
  const lines = [
    '| HTTP, one tools/call per request | calls/s (wall) | calls/s per core (CPU) | p50 | p99 |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.label} | ${row.perSecond.toFixed(0)} | ${row.perCore.toFixed(0)} | ${row.p50.toFixed(2)} ms | ${row.p99.toFixed(2)} ms |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n\n`);
  for (const goal of goals) process.stdout.write(`${goal.figure}: ${goal.text} (goal ${goal.limit}) ${goal.met ? 'ok' : 'MISSED'}\n`);
  process.stdout.write(`\n${rounds} rounds of ${calls} calls per process, ${concurrency} in flight over keep-alive connections, alternating; the same request bytes (the SDK v2 client's) for all.\n`);
}
