import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBearerForwarder } from './helpers/bearer-forwarder.js';
import { killHttpBins, startHttpBin, type HttpBin } from './helpers/http-bin.js';

// The official conformance suite (devDependency @modelcontextprotocol/conformance 0.1.13, the last
// that runs on Node 20), server scenarios, against the built bin's `serve --http --sandbox`. The
// suite's client cannot send headers, so it goes through a loopback forwarder that adds the bearer
// secret and changes nothing else (Host and Origin pass as sent: the DNS-rebinding scenario still
// reaches the server's own checks).
interface Baseline {
  /** Scenario name -> why it cannot pass here. */
  readonly expectedFailures: Readonly<Record<string, string>>;
}
interface Check {
  readonly id: string;
  readonly status: string;
  readonly errorMessage?: string;
}
const BASELINE = JSON.parse(readFileSync(new URL('conformance/baseline.json', import.meta.url), 'utf8')) as Baseline;
const CLI = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/dist/index.js');
const SECRET = 'conformance-secret-0123456789-abcdefghijk';

let bin: HttpBin;
let forwarder: Awaited<ReturnType<typeof startBearerForwarder>>;
beforeAll(async () => {
  bin = await startHttpBin(['--sandbox'], { CLERK_MCP_HTTP_TOKEN: SECRET });
  forwarder = await startBearerForwarder(bin.origin, SECRET);
});
afterAll(async () => {
  await forwarder.close();
  killHttpBins();
});

function run(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the MCP conformance suite (server scenarios) against serve --http --sandbox', () => {
  it('passes every scenario that applies; the baseline lists, with a reason, exactly the ones that need fixtures this server lacks', async () => {
    for (const [name, reason] of Object.entries(BASELINE.expectedFailures)) expect(reason.length, name).toBeGreaterThan(20);
    const out = mkdtempSync(join(tmpdir(), 'conformance-'));
    const expected = join(out, 'expected-failures.yml');
    writeFileSync(expected, `server:\n${Object.keys(BASELINE.expectedFailures).map((name) => `  - ${name}\n`).join('')}`);
    // Exit 0 only when every failure is in the baseline and every baseline entry still fails (no stale entry).
    const { code, output } = await run(['server', '--url', `${forwarder.url}/mcp`, '--expected-failures', expected, '-o', out]);
    const checks = readdirSync(out, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => JSON.parse(readFileSync(join(out, entry.name, 'checks.json'), 'utf8')) as Check[]);
    const failed = checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage ?? ''}`);
    expect(code, `${output}\n${failed.join('\n')}`).toBe(0);
    // What applies here passed (and was run at all).
    for (const id of ['server-initialize', 'ping', 'tools-list', 'resources-list', 'localhost-host-rebinding-rejected', 'localhost-host-valid-accepted']) {
      expect(checks.find((c) => c.id === id)?.status, id).toBe('SUCCESS');
    }
  }, 120_000);
});
