// npm run scale-test: nginx (deploy/nginx/clerk-invitations-mcp.conf) in front of 3 hosted replicas
// on loopback, sharing one sandbox; 2,000 tool calls from 50 distinct OAuth users through the SDK
// v2 client (both protocol eras); one replica SIGKILLed mid-run. Runs test/scale/scale.test.ts at
// full size, then prints its figures. Exits non-zero when a create was duplicated or silently lost
// (the test fails then). Sizes: SCALE_REPLICAS, SCALE_USERS, SCALE_CALLS. Expects a build (the
// script in package.json builds first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const report = join(mkdtempSync(join(tmpdir(), 'scale-')), 'report.json');
const env = {
  ...process.env,
  SCALE_REPORT: report,
  SCALE_REPLICAS: process.env.SCALE_REPLICAS ?? '3',
  SCALE_USERS: process.env.SCALE_USERS ?? '50',
  SCALE_CALLS: process.env.SCALE_CALLS ?? '2000',
};
const load = loadavg()[0].toFixed(1);
const run = spawnSync('npx', ['vitest', 'run', 'test/scale/scale.test.ts'], { env, stdio: 'inherit' });
if (!existsSync(report)) {
  process.stderr.write('\nThe scale test ended before it had figures (see above).\n');
  process.exit(run.status || 1);
}
const r = JSON.parse(readFileSync(report, 'utf8'));
const rows = [
  ['replicas / users / calls', `${r.replicas} / ${r.users} / ${r.calls}`],
  ['answers received (success or tool error)', `${r.answered} of ${r.calls} (${r.succeeded} successes)`],
  ...Object.entries(r.errorsByKind).map(([kind, count]) => [`error: ${kind}`, String(count)]),
  ['creates: succeeded / errored', `${r.createsSucceeded} / ${r.createsErrored}`],
  ['duplicated creates (must be 0)', String(r.duplicatedCreates.length)],
  ['creates lost without an error (must be 0)', String(r.silentlyLostCreates.length)],
  ['revokes lost without an error (must be 0)', String(r.silentlyLostRevokes.length)],
  ['creates that errored but were applied', `${r.erroredButApplied.length}${r.erroredButApplied.length ? ` (${r.erroredButApplied.join(', ')})` : ''}`],
  ['throughput', `${r.throughputPerSecond.toFixed(0)} calls/s`],
  ['latency p50 / p99', `${r.p50Ms.toFixed(1)} ms / ${r.p99Ms.toFixed(1)} ms`],
  ['sign-in of all users (start included)', `${(r.signInMs / 1000).toFixed(1)} s`],
  ...r.perReplica.map((p) => [`replica ${p.replica}${p.killed ? ' (SIGKILLed)' : ''}`, `${p.mcpRequests} MCP requests through nginx (${p.badGateways} answered 502), ${p.backendRequests} Backend API requests`]),
  ['nginx statuses', Object.entries(r.nginxStatuses).map(([status, count]) => `${status}: ${count}`).join(', ')],
];
process.stdout.write(`\n| Figure | Value |\n| --- | --- |\n${rows.map(([a, b]) => `| ${a} | ${b} |`).join('\n')}\n\n`);
process.stdout.write(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average ${load} at the start.\n`);
const failed = r.duplicatedCreates.length > 0 || r.silentlyLostCreates.length > 0 || r.silentlyLostRevokes.length > 0;
process.exit(failed ? 1 : run.status ?? 1);
