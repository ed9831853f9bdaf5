import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { Capability } from '../../src/engine/model.js';
import { createServer } from '../../src/mcp/server.js';
import { restExecutor } from '../../src/rest/executor.js';
import { restInstructions } from '../../src/cli/serve-rest.js';
import { resolveBinds } from '../../src/engine/binds.js';

/** The Ikanos tutorial capability (test/fixtures/ikanos-tutorial, see SOURCE.md). */
export const TUTORIAL_DIR = join(import.meta.dirname, '..', 'fixtures', 'ikanos-tutorial');
export const TUTORIAL_FILE = 'step-6-write-operations.yml';

/** The test values of the tutorial's binds: long, distinctive, easy to look for in any text. */
export const TUTORIAL_SECRETS = {
  'registry-bearer-token': 'registry-token-7f3a9c1e5b2d4086',
  'registry-api-version': '2026-01-15',
  'dockyard-api-key': 'dockyard-key-91be44c0d7a2e3f5',
  'mcp-server-token': 'mcp-token-0c5e8d2b6a4f1937',
} as const;

/**
 * A copy of the tutorial in a temp folder, its adapters' base URIs pointed at `baseUrl` (a
 * loopback fake), with the secrets file its binds read (`secrets`: the keys written). Returns the
 * capability file's path.
 */
export function tutorialCopy(baseUrl: string, secrets: Readonly<Record<string, string>> = TUTORIAL_SECRETS): string {
  const dir = mkdtempSync(join(tmpdir(), 'ikanos-tutorial-'));
  cpSync(TUTORIAL_DIR, dir, { recursive: true });
  for (const name of ['shared/step6-registry-consumes.yaml', 'shared/legacy-consumes.yaml']) {
    const path = join(dir, name);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/baseUri: \S+/, `baseUri: ${baseUrl}/api`));
  }
  writeFileSync(join(dir, 'shared', 'secrets.yaml'), Object.entries(secrets).map(([k, v]) => `${k}: "${v}"\n`).join(''));
  return join(dir, TUTORIAL_FILE);
}

export interface ServedRest {
  readonly client: Client;
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** An SDK client connected in memory to the server for a non-Clerk capability, its binds filled from `env`, as cli/serve-rest.ts does. */
export async function serveRestInMemory(capability: Capability, env: Readonly<Record<string, string | undefined>> = {}): Promise<ServedRest> {
  const bound = resolveBinds(capability, env);
  const executor = restExecutor(bound.capability, bound.secrets, { timeoutMs: 5_000 });
  const server = createServer({ capability: bound.capability, executor, instructions: restInstructions(bound.capability) });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  // Listing tools makes the client validate structuredContent against each tool's outputSchema.
  await client.listTools();
  return {
    client,
    call: async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}
