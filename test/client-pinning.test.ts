import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionUser } from '../src/clerk/account.js';
import { ClerkRequestError } from '../src/clerk/errors.js';
import type { CredentialStore, StoredCredentials } from '../src/credentials/store.js';
import { text, type Connected } from './helpers/connect.js';
import { clientJwt, envelopeFor as envelopeOf, serveStoredSignIn, storedSignIn } from './helpers/stored-sign-in.js';
import { clerkErrors, invitation, type FakeClerk, type Handler } from './helpers/fake-clerk.js';


const OURS = 'client_ours';
const T0 = clientJwt(OURS, 0);
const T1 = clientJwt(OURS, 1);
const ELSEWHERE = clientJwt(OURS, 2);
const NEW_CLIENT_TOKEN = clientJwt('client_brand_new', 0);

/** The envelope Clerk answers with, for our client unless told otherwise. */
const envelopeFor = (response: unknown, clientId = OURS, sessions?: unknown[]): unknown => envelopeOf(response, clientId, sessions);
/** What Clerk answers a stale token: 200, a brand-new client without sessions, and its token. */
const staleAnswer = (response: unknown): ReturnType<Handler> => ({ json: envelopeFor(response, 'client_brand_new', []), headers: { authorization: `Bearer ${NEW_CLIENT_TOKEN}` } });

const stored = (clientToken = T0): StoredCredentials => storedSignIn(clientToken);
const LIST = { organization_id: 'org_1' };
const CREATE = { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' };

let connected: Connected | undefined;
afterEach(async () => {
  await connected?.close();
  connected = undefined;
});

/** A server on a fresh credentials file holding `stored()` for the fake's host. */
async function serve(handler: Handler): ReturnType<typeof serveStoredSignIn> {
  const served = await serveStoredSignIn(handler, T0);
  ({ connected } = served);
  return served;
}

const sentTokens = (f: FakeClerk): (string | undefined)[] => f.requests.map((r) => r.headers.authorization);

describe('an empty Authorization: Bearer response header (Clerk\'s "clear")', () => {
  it('is never taken as the token "Bearer" nor written to the credentials file', async () => {
    const { store, fake, connected } = await serve((_r, hit) => ({ json: envelopeFor({ data: [], total_count: 0 }), headers: hit === 1 ? { authorization: 'Bearer ' } : {} }));
    expect((await connected.call('getOrganizationInvitations', LIST)).isError).toBeFalsy();
    expect(store.get(fake.url)?.clientToken).toBe(T0);
    expect(readFileSync(store.path, 'utf8')).not.toMatch(/"clientToken": "Bearer"/);
    await connected.call('getOrganizationInvitations', LIST);
    // The token was forgotten; the next call read the file again, which still holds the stored one.
    expect(sentTokens(fake)).toEqual([`Bearer ${T0}`, `Bearer ${T0}`]);
  });
});

describe('the client is pinned by its token\'s id claim', () => {
  it('never adopts nor saves a rotated token that belongs to another client', async () => {
    const { store, fake, connected } = await serve(() => ({ json: envelopeFor({ data: [], total_count: 0 }), headers: { authorization: `Bearer ${NEW_CLIENT_TOKEN}` } }));
    await connected.call('getOrganizationInvitations', LIST);
    await connected.call('getOrganizationInvitations', LIST);
    expect(sentTokens(fake)).toEqual([`Bearer ${T0}`, `Bearer ${T0}`]);
    expect(store.get(fake.url)?.clientToken).toBe(T0);
  });

  it('adopts and saves a rotation of its own client', async () => {
    const { store, fake, connected } = await serve(() => ({ json: envelopeFor(invitation()), headers: { authorization: `Bearer ${T1}` } }));
    expect((await connected.call('createOrganizationInvitations', CREATE)).isError).toBeFalsy();
    await store.settled(); // written back in the background
    expect(store.get(fake.url)?.clientToken).toBe(T1);
  });

  it('recognises a 200 for a brand-new client (a stale token): adopts and saves nothing, and says the sign-in was replaced', async () => {
    const { store, fake, connected, clerk } = await serve(() => staleAnswer({ data: [], total_count: 0 }));
    const result = await connected.call('getOrganizationInvitations', LIST);
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/this sign-in was replaced or has ended; sign in again with `.+ login` in a terminal or `.+ login --web` in a browser\./);
    expect(text(result)).not.toContain(NEW_CLIENT_TOKEN);
    expect(clerk.clientToken).toBe(T0);
    await store.settled();
    expect(store.get(fake.url)?.clientToken).toBe(T0);
    // One request: nothing newer was stored, and a changed file was waited for only as long as it held the token just refused.
    expect(fake.requests).toHaveLength(1);
  });

  it('after a stale 200, retries once with the token another process stored meanwhile', async () => {
    let store: CredentialStore | undefined;
    const { fake, connected } = await serve((r): ReturnType<Handler> => {
      if (r.headers.authorization === `Bearer ${ELSEWHERE}`) return { json: envelopeFor(invitation()) };
      const landed = Promise.resolve(store?.rotate(fake?.url ?? '', T0, ELSEWHERE)); // another process's write-back lands now
      return { ...staleAnswer(invitation()), until: landed };
    }).then((served) => ((store = served.store), served));
    expect((await connected.call('createOrganizationInvitations', CREATE)).isError).toBeFalsy();
    expect(sentTokens(fake)).toEqual([`Bearer ${T0}`, `Bearer ${ELSEWHERE}`]);
  });

  it('waits briefly for another process to write back the rotation that made its token stale', async () => {
    let store: CredentialStore | undefined;
    const { fake, connected } = await serve((r) => {
      if (r.headers.authorization === `Bearer ${ELSEWHERE}`) return { json: envelopeFor(invitation()) };
      // The write-back lands only after the 401 has been answered.
      setTimeout(() => store?.rotate(fake?.url ?? '', T0, ELSEWHERE), 150);
      return { status: 401, json: clerkErrors({ code: 'signed_out' }), headers: { authorization: `Bearer ${NEW_CLIENT_TOKEN}` } };
    }).then((served) => ((store = served.store), served));
    expect((await connected.call('createOrganizationInvitations', CREATE)).isError).toBeFalsy();
    expect(sentTokens(fake)).toEqual([`Bearer ${T0}`, `Bearer ${ELSEWHERE}`]);
  });

  it('GET /v1/client without the session it acts as (a stale token) is not a user: it re-reads the stored sign-in and retries', async () => {
    let store: CredentialStore | undefined;
    const { fake, clerk } = await serve((r): ReturnType<Handler> => {
      if (r.headers.authorization === `Bearer ${ELSEWHERE}`) {
        return { json: envelopeFor({ object: 'client', id: OURS, last_active_session_id: 'sess_stored', sessions: [{ id: 'sess_stored', status: 'active', user: { id: 'user_1', email_addresses: [] } }] }) };
      }
      const landed = Promise.resolve(store?.set(fake?.url ?? '', stored(ELSEWHERE))); // e.g. a new login, meanwhile
      // A client without sessions, and no client id to compare: only the missing session tells.
      return { json: { response: { object: 'client', sessions: [], last_active_session_id: null }, client: null }, until: landed };
    }).then((served) => ((store = served.store), served));
    const user = await sessionUser(clerk, clerk.sessionId);
    expect(user).toMatchObject({ sessionId: 'sess_stored', userId: 'user_1' });
    expect(sentTokens(fake)).toEqual([`Bearer ${T0}`, `Bearer ${ELSEWHERE}`]);
  });

  it('GET /v1/client without the session it acts as, with nothing newer stored, fails saying the sign-in was replaced', async () => {
    const { clerk } = await serve(() => ({ json: { response: { object: 'client', sessions: [], last_active_session_id: null }, client: null } }));
    const error = await sessionUser(clerk, clerk.sessionId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClerkRequestError);
    expect((error as ClerkRequestError).kind).toBe('signed-out');
    expect((error as Error).message).toMatch(/^Clerk answered GET \/v1\/client with a client that has no active session sess_stored: this sign-in was replaced or has ended; sign in again with `.+ login` in a terminal or `.+ login --web` in a browser\.$/);
  });
});

describe('_clerk_session_id', () => {
  it('is not sent on /v1/client paths (as clerk-js), and is sent on the others', async () => {
    const { fake, clerk, connected } = await serve((r) =>
      r.path === '/v1/client'
        ? { json: envelopeFor({ object: 'client', id: OURS, last_active_session_id: 'sess_stored', sessions: [{ id: 'sess_stored', status: 'active', user: { id: 'user_1' } }] }) }
        : { json: envelopeFor({ data: [], total_count: 0 }) },
    );
    await sessionUser(clerk, clerk.sessionId);
    await connected.call('getOrganizationInvitations', LIST);
    expect(fake.requests.map((r) => [r.path, r.query.get('_clerk_session_id')])).toEqual([
      ['/v1/client', null],
      ['/v1/organizations/org_1/invitations', 'sess_stored'],
    ]);
  });
});
