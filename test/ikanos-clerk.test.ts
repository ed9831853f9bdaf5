import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability } from '../src/engine/load.js';
import { selectOperations } from '../src/engine/select.js';
import { connect, type Connected } from './helpers/connect.js';
import { startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';

// The bundled capability in the current format (Ikanos 1.0.0-beta5) must serve what the alpha2 file
// serves: the same tools/list, in both tool selections the contract pins, and the same calls.

const IKANOS_FILE = fileURLToPath(new URL('../src/engine/clerk-frontend-api-invitations.ikanos.yml', import.meta.url));

let fake: FakeClerk | undefined;
const servers: Connected[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  fake = undefined;
});

async function toolsList(file: string | undefined, readOnly: boolean): Promise<unknown> {
  fake ??= await startFakeClerk(() => ({ status: 500, json: {} }));
  const mcp = await connect({ baseUrl: fake.url }, selectOperations(file ? loadCapability(file) : loadCapability(), { readOnly }));
  servers.push(mcp);
  const { tools } = await mcp.client.listTools();
  return JSON.parse(JSON.stringify(tools));
}

describe('the Clerk capability in Ikanos 1.0.0-beta5', () => {
  it('is read as Clerk’s Frontend API', () => {
    expect(loadCapability(IKANOS_FILE).profile).toBe('clerk-frontend-api');
  });

  it.each([false, true])('serves exactly the tools/list of the alpha2 file (read-only: %s)', async (readOnly) => {
    const alpha2 = await toolsList(undefined, readOnly);
    const beta5 = await toolsList(IKANOS_FILE, readOnly);
    expect(beta5).toStrictEqual(alpha2);
    expect((alpha2 as unknown[]).length).toBe(readOnly ? 2 : 5);
  });
});
