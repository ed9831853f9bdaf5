import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverClerkClient } from '../../src/clerk/server-session.js';
import type { ClerkClient } from '../../src/clerk/client.js';
import { CredentialStore, type StoredCredentials } from '../../src/credentials/store.js';
import { connectClerk, testSettings, type Connected } from './connect.js';
import { SESSION_JWT, startFakeClerk, type FakeClerk, type Handler } from './fake-clerk.js';

/** A client token shaped like Clerk's: a JWT whose payload names its client (`id`). Unsigned: only the shape matters. */
export const clientJwt = (clientId: string, n: number): string =>
  [{ alg: 'RS256' }, { id: clientId, rotating_token: `r${n}` }, { sig: n }].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.');

/** The envelope Clerk answers with: `client` is the client the token named, with `sessions` (by default the stored sign-in's). */
export const envelopeFor = (response: unknown, clientId: string, sessions: unknown[] = [{ id: 'sess_stored', status: 'active', last_active_token: { jwt: SESSION_JWT } }]): unknown => ({
  response,
  client: { object: 'client', id: clientId, sessions, last_active_session_id: sessions.length ? 'sess_stored' : null },
});

/** A stored sign-in (session `sess_stored`) with `clientToken`. */
export const storedSignIn = (clientToken: string): StoredCredentials => ({ clientToken, sessionId: 'sess_stored', userId: 'user_1', email: 'ann@example.com', savedAt: '2026-11-26T00:00:00.000Z' });

/** A server, connected in memory, on a fresh credentials file holding a sign-in with `clientToken` for a fake Clerk answering through `handler`. */
export async function serveStoredSignIn(handler: Handler, clientToken: string): Promise<{ store: CredentialStore; fake: FakeClerk; connected: Connected; clerk: ClerkClient }> {
  const store = new CredentialStore(join(mkdtempSync(join(tmpdir(), 'cim-stored-')), 'clerk-invitations-mcp', 'credentials.json'));
  const fake = await startFakeClerk(handler);
  await store.set(fake.url, storedSignIn(clientToken));
  const { clerk } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: undefined }), store, undefined);
  const connected = await connectClerk(clerk);
  return { store, fake, connected, clerk };
}
