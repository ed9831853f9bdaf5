import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { BackendClient } from '../../src/clerk/backend/client.js';
import { createHostedServer } from '../../src/cli/serve-hosted.js';
import { BACKEND_API_CAPABILITY, loadCapability } from '../../src/engine/load.js';
import { ConfirmationStates } from '../../src/mcp/confirm-step.js';
import { ADMIN, backendSettings } from '../helpers/fake-backend.js';
import { startFakeClerk } from '../helpers/fake-clerk.js';

// Hosted mode's public contract, as tools-list.test.ts pins the local one: what tools/list tells a
// client of `serve --http --hosted`. After an intended change: UPDATE_CONTRACT=1 npx vitest run test/contract
const FILE = 'tools-list.hosted.json';

describe('the hosted tools/list contract', () => {
  it(`matches the committed snapshot ${FILE}`, async () => {
    const fake = await startFakeClerk(() => ({ status: 500, json: {} }));
    const options = { capability: loadCapability(BACKEND_API_CAPABILITY), backend: new BackendClient(backendSettings(fake.url)), confirm: true, states: new ConfirmationStates(60_000) };
    const server = createHostedServer(options, { token: 't', clientId: 'client_1', scopes: [], expiresAt: 2_000_000_000, extra: { subject: ADMIN } });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'contract', version: '1.0.0' });
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    const listed: unknown = JSON.parse(JSON.stringify((await client.listTools()).tools));
    await client.close();
    await server.close();
    expect(fake.requests, 'listing tools asks Clerk nothing').toEqual([]);

    const path = new URL(FILE, import.meta.url);
    if (process.env.UPDATE_CONTRACT === '1') writeFileSync(path, `${JSON.stringify(listed, null, 2)}\n`);
    expect(existsSync(path), `test/contract/${FILE} is missing: write it with UPDATE_CONTRACT=1 npx vitest run test/contract`).toBe(true);
    expect(listed, `tools/list differs from test/contract/${FILE}. If the change is intended, update it with UPDATE_CONTRACT=1 npx vitest run test/contract and commit the diff`).toStrictEqual(JSON.parse(readFileSync(path, 'utf8')));
  });

  it('refuses to build a server for a request without a verified user', () => {
    const options = { capability: loadCapability(BACKEND_API_CAPABILITY), backend: new BackendClient(backendSettings('http://127.0.0.1:9')), confirm: true, states: new ConfirmationStates(60_000) };
    expect(() => createHostedServer(options, undefined)).toThrow('without a verified user');
  });
});
