import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, freshConfig } from './helpers/cli.js';
import { CLIENT_TOKEN, envelope, invitation } from './helpers/fake-clerk.js';

// A certificate for localhost, made for this run (openssl), trusted by the bin through NODE_EXTRA_CA_CERTS.
let cert: string;
let key: string;
let certFile: string;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'cim-tls-'));
  certFile = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', certFile, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '1'], { stdio: 'ignore' });
  cert = readFileSync(certFile, 'utf8');
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
});

let server: Server | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  server?.closeAllConnections();
  server?.close();
  client = server = undefined;
});

async function httpsClerk(): Promise<{ url: string; seen: { path: string; authorization: string | undefined }[] }> {
  const seen: { path: string; authorization: string | undefined }[] = [];
  server = createServer({ cert, key }, (req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(envelope({ data: [invitation()], total_count: 1 })));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `https://localhost:${(server.address() as AddressInfo).port}`, seen };
}

async function callOver(url: string, extraEnv: Record<string, string>) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN], env: { ...freshConfig().env, CLERK_FRONTEND_API_URL: url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, ...extraEnv }, stderr: 'pipe' });
  transport.stderr?.on('data', () => undefined);
  client = new Client({ name: 'https', version: '1' });
  await client.connect(transport);
  return client.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_1' } });
}

describe('Clerk over https (the production path)', () => {
  it('talks to a Clerk whose certificate it trusts, with the token', async () => {
    const { url, seen } = await httpsClerk();
    const result = await callOver(url, { NODE_EXTRA_CA_CERTS: certFile });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ total_count: 1 });
    expect(seen).toEqual([{ path: expect.stringMatching(/^\/v1\/organizations\/org_1\/invitations\?/), authorization: `Bearer ${CLIENT_TOKEN}` }]);
  });

  it('refuses a certificate it does not trust, and sends no token', async () => {
    const { url, seen } = await httpsClerk();
    const result = await callOver(url, {});
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/could not reach Clerk at localhost:\d+ .*\((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
    expect(seen).toEqual([]);
  });
});
