// npm run bench: measures the built server against its floors, side by side in one run, and prints
// one table with the goals of issue 10. Exits 1 when a goal is missed. See BENCHMARKS.md.
//
// The processes, each given the same clean environment and the same loopback Clerk:
// - bare: a Node process answering `initialize` and `tools/list` with the server's own bytes;
// - forwarder: bench/forwarder.mjs, the same answers plus the call forwarded, no SDK (the floor);
// - sdk2: bench/minimal-sdk2-server.mjs, a plain MCP SDK v2 server with one zod tool (informational);
// - server: dist/index.js, this project.
// Every figure is measured for all of them in the same phase, alternating, the order rotated every
// round, so that the machine's drift hits all alike.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { httpGoals, httpTable, printHttpTable } from './http.mjs';
import { Rpc } from './rpc.mjs';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    calls: { type: 'string', default: '1000' },
    bursts: { type: 'string', default: '7' },
    concurrency: { type: 'string', default: '200' },
    'http-calls': { type: 'string', default: '1000' },
    'http-rounds': { type: 'string', default: '3' },
    'http-concurrency': { type: 'string', default: '16' },
    // Only the HTTP table (issue 11), e.g. while working on the HTTP transport.
    'http-only': { type: 'boolean', default: false },
    // Writes a CPU profile of `serve --http` under the HTTP table's load to this folder (node --cpu-prof).
    'http-cpu-prof': { type: 'string' },
  },
});
const RUNS = Number(opts.runs);
const CALLS = Number(opts.calls);
const BURSTS = Number(opts.bursts);
const CONCURRENCY = Number(opts.concurrency);
const HTTP = { calls: Number(opts['http-calls']), rounds: Number(opts['http-rounds']), concurrency: Number(opts['http-concurrency']), cpuProfDir: opts['http-cpu-prof'] };

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const BIN = here('../dist/index.js');
const TOKEN = 'client_bench_token';
const API_VERSION = '2026-05-12';
const TOOL = 'getOrganizationInvitations';
const ARGS = { organization_id: 'org_2q8mBenchOrganization00', status: 'pending', limit: 10 };
// The exact request the server makes for ARGS (path, query order), which the fake Clerk insists on.
const TARGET = `/v1/organizations/${ARGS.organization_id}/invitations?${new URLSearchParams({ status: ARGS.status, limit: String(ARGS.limit), _is_native: '1', __clerk_api_version: API_VERSION })}`;

/** The SDK v2 row needs `@modelcontextprotocol/server`; before the migration it may be missing. */
function sdk2Installed() {
  try {
    import.meta.resolve('@modelcontextprotocol/server/stdio');
    return true;
  } catch {
    return false;
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
/** `order` rotated by `round`: each process takes each place in turn. */
const rotated = (order, round) => [...order.slice(round % order.length), ...order.slice(0, round % order.length)];

async function startFakeClerk() {
  const child = spawn(process.execPath, [here('./fake-clerk.mjs'), TOKEN, TARGET], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`fake Clerk exited (${code})`)));
  });
  return { url, close: () => child.stdin.end() };
}

const callRequest = { method: 'tools/call', params: { name: TOOL, arguments: ARGS } };

function checkCall(name, answer) {
  if (answer.error || answer.result?.isError || answer.result?.structuredContent?.total_count !== 5) {
    throw new Error(`${name}: ${TOOL} did not answer as expected: ${JSON.stringify(answer).slice(0, 500)}`);
  }
}

/**
 * One start as a client makes it: spawn, `initialize`, `notifications/initialized`, `tools/list`,
 * then (unless `handshakeOnly`) one `tools/call`, each sent after the previous answer. Returns the
 * times from just before the spawn to the answers of `tools/list` and of the call; then closes.
 */
async function start(name, args, env, handshakeOnly) {
  const rpc = new Rpc(args, env);
  const initialize = await rpc.initialize();
  const list = await rpc.request('tools/list');
  const listMs = performance.now() - rpc.startedAt;
  if (!list.result?.tools?.length) throw new Error(`${name}: tools/list answered without tools: ${JSON.stringify(list).slice(0, 300)}`);
  let firstResultMs;
  if (!handshakeOnly) {
    checkCall(name, await rpc.request(callRequest.method, callRequest.params));
    firstResultMs = performance.now() - rpc.startedAt;
  }
  await rpc.close();
  return { listMs, firstResultMs, initialize, list };
}

async function main() {
  const clerk = await startFakeClerk();
  // A clean environment, with an empty HOME: nothing of the developer's own settings or files reaches the server.
  const home = mkdtempSync(join(tmpdir(), 'clerk-bench-'));
  const env = { PATH: process.env.PATH ?? '', HOME: home, CLERK_FRONTEND_API_URL: clerk.url, CLERK_CLIENT_TOKEN: TOKEN, CLERK_API_VERSION: API_VERSION };
  try {
    if (!opts['http-only']) await stdioTable(env, home);
    const rows = await httpTable({ bin: BIN, env, tool: TOOL, args: ARGS, checkCall, ...HTTP });
    const goals = httpGoals(rows);
    printHttpTable(rows, goals, HTTP);
    if (goals.some((goal) => !goal.met)) process.exitCode = 1;
  } finally {
    clerk.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** The stdio table (issue 10): starts, calls one at a time, bursts, memory. */
async function stdioTable(env, home) {
  {
    // The bare process and the forwarder answer the handshake with the server's own answers: same bytes.
    const recorded = await start('server', [BIN], env, true);
    const canned = join(home, 'canned.json');
    writeFileSync(canned, JSON.stringify({ initialize: recorded.initialize.result, 'tools/list': recorded.list.result }));

    const processes = {
      bare: { label: 'bare node: handshake only', args: [here('./bare-server.mjs'), canned], handshakeOnly: true },
      forwarder: { label: 'forwarder: no SDK (the floor)', args: [here('./forwarder.mjs'), canned] },
      sdk2: { label: 'SDK v2 McpServer, 1 zod tool (informational)', args: [here('./minimal-sdk2-server.mjs')] },
      server: { label: 'clerk-invitations-mcp', args: [BIN] },
    };
    if (!sdk2Installed()) processes.sdk2.missing = true;
    const names = Object.keys(processes).filter((name) => !processes[name].missing);
    const serving = names.filter((name) => !processes[name].handshakeOnly);
    const figures = Object.fromEntries(names.map((name) => [name, { list: [], firstResult: [], perCall: [], burst: [], rssMb: undefined }]));

    // Starts: a fresh process each time. Round -1 warms the file cache and is not counted.
    for (let round = -1; round < RUNS; round++) {
      for (const name of rotated(names, round + 1)) {
        const { args, handshakeOnly } = processes[name];
        const { listMs, firstResultMs } = await start(name, args, env, handshakeOnly);
        if (round < 0) continue;
        figures[name].list.push(listMs);
        if (!handshakeOnly) figures[name].firstResult.push(firstResultMs);
      }
    }

    // Calls and bursts: one long-lived process of each, as a client keeps it.
    const running = Object.fromEntries(serving.map((name) => [name, new Rpc(processes[name].args, env)]));
    for (const name of serving) {
      await running[name].initialize();
      await running[name].request('tools/list');
    }
    const callOnce = async (name) => checkCall(name, await running[name].request(callRequest.method, callRequest.params));
    for (let i = 0; i < 200; i++) for (const name of serving) await callOnce(name);
    for (let i = 0; i < CALLS; i++) {
      for (const name of rotated(serving, i)) {
        const t0 = performance.now();
        await callOnce(name);
        figures[name].perCall.push(performance.now() - t0);
      }
    }
    const burstOf = async (name) => {
      const answers = await Promise.all(running[name].send(Array.from({ length: CONCURRENCY }, () => callRequest)));
      for (const answer of answers) checkCall(name, answer);
    };
    for (let round = -1; round < BURSTS; round++) {
      for (const name of rotated(serving, round + 1)) {
        const t0 = performance.now();
        await burstOf(name);
        // The first round opens every process's connections to Clerk: not counted.
        if (round >= 0) figures[name].burst.push(performance.now() - t0);
      }
    }
    for (const name of serving) {
      figures[name].rssMb = (await running[name].peakRss()) / 2 ** 20;
      await running[name].close();
    }

    const goals = evaluate(figures);
    printTable(processes, figures, goals);
    const missed = goals.filter((goal) => !goal.met);
    if (missed.length) {
      process.stderr.write(`\nMissed: ${missed.map((goal) => goal.figure).join(', ')}\n`);
      process.exitCode = 1;
    }
  }
}

/** Issue 10's goals, each the server against its floor, as a ratio or a difference of medians. */
const GOALS = [
  { column: 'list', figure: 'spawn → tools/list', floor: 'bare', kind: 'ratio', limit: 1.5 },
  { column: 'firstResult', figure: 'spawn → first tool result', floor: 'forwarder', kind: 'ratio', limit: 1.8 },
  { column: 'perCall', figure: 'per call', floor: 'forwarder', kind: 'difference', unit: 'ms', limit: 0.4 },
  { column: 'burst', figure: `burst of ${CONCURRENCY}`, floor: 'forwarder', kind: 'ratio', limit: 1.6 },
  { column: 'rssMb', figure: 'peak RSS', floor: 'forwarder', kind: 'difference', unit: 'MB', limit: 20 },
];

const central = (value) => (Array.isArray(value) ? median(value) : value);

/** The value of `name`'s figure against the goal's floor: a ratio, or a difference. */
function against(goal, figures, name) {
  const value = central(figures[name][goal.column]);
  const floor = central(figures[goal.floor][goal.column]);
  return goal.kind === 'ratio' ? value / floor : value - floor;
}

function evaluate(figures) {
  return GOALS.map((goal) => {
    const value = against(goal, figures, 'server');
    return { ...goal, value, met: value <= goal.limit };
  });
}

const COLUMNS = [
  { column: 'list', title: 'spawn → tools/list', unit: 'ms', digits: 1 },
  { column: 'firstResult', title: 'spawn → first tool result', unit: 'ms', digits: 1 },
  { column: 'perCall', title: 'per call, one at a time', unit: 'ms', digits: 3 },
  { column: 'burst', title: `burst of ${CONCURRENCY} calls`, unit: 'ms', digits: 1 },
  { column: 'rssMb', title: 'peak RSS (VmHWM)', unit: 'MB', digits: 1 },
];

const relative = (goal, value) => (goal.kind === 'ratio' ? `${value.toFixed(2)}×` : `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(goal.unit === 'ms' ? 3 : 1)} ${goal.unit}`);

function cell(figures, name, { column, unit, digits }) {
  const value = figures[name][column];
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return '–';
  const text = Array.isArray(value) ? `${median(value).toFixed(digits)} ${unit} (IQR ${quantile(value, 0.25).toFixed(digits)}–${quantile(value, 0.75).toFixed(digits)})` : `${value.toFixed(digits)} ${unit}`;
  // The server and the SDK v2 server are shown against the floor of each goal.
  const goal = GOALS.find((g) => g.column === column);
  return name === 'server' || name === 'sdk2' ? `${text} = ${relative(goal, against(goal, figures, name))}` : text;
}

function printTable(processes, figures, goals) {
  const limitText = (goal) => (goal.kind === 'ratio' ? `≤ ${goal.limit}× ${goal.floor}` : `≤ ${goal.floor} + ${goal.limit} ${goal.unit}`);
  const table = [
    ['', ...COLUMNS.map((c) => c.title)],
    ...Object.entries(processes).map(([name, { label, missing }]) =>
      missing ? [label, 'skipped: @modelcontextprotocol/server is not installed', ...COLUMNS.slice(1).map(() => '')] : [label, ...COLUMNS.map((c) => cell(figures, name, c))],
    ),
    ['goal (clerk-invitations-mcp)', ...goals.map(limitText)],
    ['result', ...goals.map((goal) => `${relative(goal, goal.value)} ${goal.met ? 'ok' : 'MISSED'}`)],
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row) => `| ${row.map((text, c) => text.padEnd(widths[c])).join(' | ')} |`;
  const out = [line(table[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.slice(1).map(line)];
  process.stdout.write(`${out.join('\n')}\n\n`);
  process.stdout.write(
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB; medians (IQR) of ` +
      `${RUNS} starts, ${CALLS} calls one at a time and ${BURSTS} bursts of ${CONCURRENCY} per process, alternating; ` +
      `peak RSS: VmHWM of the long-lived process after its calls and bursts.\n`,
  );
}

await main();
