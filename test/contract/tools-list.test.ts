import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability } from '../../src/engine/load.js';
import { selectOperations } from '../../src/engine/select.js';
import { connect, type ConnectOptions, type Connected } from '../helpers/connect.js';
import { startFakeClerk, type FakeClerk } from '../helpers/fake-clerk.js';

// The public contract: what tools/list tells a client (names, titles, descriptions, input and
// output schemas, annotations), pinned in committed files so that any change to it shows up as a
// diff in review. After an intended change: UPDATE_CONTRACT=1 npx vitest run test/contract

interface Snapshot {
  /** Beside this test; named after the protocol revision the client speaks and the tool selection. */
  readonly file: string;
  /** How the test client connects (the era it negotiates). */
  readonly connect: ConnectOptions;
  /** Served with --read-only. */
  readonly readOnly?: boolean;
}

/**
 * One row per tool selection. In memory the SDK client negotiates 2025-11-25; the same list is
 * what both eras get over stdio (test/eras-stdio.test.ts holds each to tools-list.2025-11-25.json).
 */
const SNAPSHOTS: readonly Snapshot[] = [
  { file: 'tools-list.2025-11-25.json', connect: {} },
  { file: 'tools-list.2025-11-25.read-only.json', connect: {}, readOnly: true },
];

const UPDATE = process.env.UPDATE_CONTRACT === '1';

let fake: FakeClerk | undefined;
let mcp: Connected | undefined;
afterEach(async () => {
  await mcp?.close();
  mcp = fake = undefined;
});

describe('the tools/list contract', () => {
  it.each(SNAPSHOTS)('matches the committed snapshot $file', async ({ file, connect: options, readOnly = false }) => {
    fake = await startFakeClerk(() => ({ status: 500, json: {} }));
    mcp = await connect({ baseUrl: fake.url }, selectOperations(loadCapability(), { readOnly }), options);
    const { tools } = await mcp.client.listTools();
    expect(fake.requests, 'listing tools asks Clerk nothing').toEqual([]);
    // Through JSON: the snapshot holds what goes over the wire, nothing an object can carry beside it.
    const listed: unknown = JSON.parse(JSON.stringify(tools));

    const path = new URL(file, import.meta.url);
    if (UPDATE) writeFileSync(path, `${JSON.stringify(listed, null, 2)}\n`);
    expect(existsSync(path), `test/contract/${file} is missing: write it with UPDATE_CONTRACT=1 npx vitest run test/contract`).toBe(true);
    const pinned: unknown = JSON.parse(readFileSync(path, 'utf8'));
    expect(listed, `tools/list differs from test/contract/${file}. If the change is intended, update it with UPDATE_CONTRACT=1 npx vitest run test/contract and commit the diff`).toStrictEqual(pinned);
  });
});
