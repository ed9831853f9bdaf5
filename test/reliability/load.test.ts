import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CONCURRENCY } from '../../src/clerk/settings.js';
import { CLIENT_TOKEN, envelope, invitation, startFakeClerk, type FakeClerk } from '../helpers/fake-clerk.js';
import { knob, peakRssMiB, recordFigure } from '../helpers/figures.js';
import { BIN, baseEnv } from '../helpers/raw-server.js';
import { PUBLISHABLE_KEY, leakedSecrets } from '../helpers/secrets.js';

// Concurrent calls over one connection: `npm run reliability` raises it (LOAD_CALLS).
const CALLS = knob('LOAD_CALLS', 1000);

let client: Client | undefined;
let fake: FakeClerk | undefined;
afterEach(async () => {
  await client?.close();
  client = fake = undefined;
});

describe('load over one stdio connection (the built server)', () => {
  it(`answers ${CALLS} concurrent calls, each with its own result, with at most CLERK_MAX_CONCURRENCY requests in flight to Clerk`, { timeout: 300_000 }, async () => {
    // Each answer names the organization it was asked about, so that a mixed-up answer shows.
    fake = await startFakeClerk((req) => ({ json: envelope({ data: [invitation({ organization_id: decodeURIComponent(req.path.split('/')[3]!) })], total_count: 1 }), delayMs: 5 }));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN],
      env: { ...baseEnv, CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    client = new Client({ name: 'load', version: '1.0.0' });
    await client.connect(transport);

    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: CALLS }, (_, i) => client!.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: `org_${i}` } }, { timeout: 290_000 }) as Promise<CallToolResult>),
    );
    const took = Date.now() - started;
    const rss = await peakRssMiB(transport.pid!);

    results.forEach((result, i) => {
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect((result.structuredContent as { data: { organization_id: string }[] }).data[0]?.organization_id).toBe(`org_${i}`);
    });
    expect(fake.requests).toHaveLength(CALLS);
    expect(fake.peakInFlight).toBeLessThanOrEqual(DEFAULT_MAX_CONCURRENCY);
    expect(leakedSecrets(JSON.stringify(results) + stderr)).toEqual([]);

    recordFigure('concurrent tool calls over one stdio connection, all answered with their own result', CALLS);
    recordFigure(`most requests in flight to the fake Clerk (CLERK_MAX_CONCURRENCY default ${DEFAULT_MAX_CONCURRENCY})`, fake.peakInFlight);
    recordFigure('time for all of them (fake Clerk answering each in 5 ms)', took, 'ms');
    if (rss !== undefined) recordFigure('peak resident memory of the server process (VmHWM)', rss, 'MiB');
  });
});
