import { mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CredentialStore } from '../src/credentials/store.js';
import { text, type Connected } from './helpers/connect.js';
import { clientJwt, envelopeFor, serveStoredSignIn, storedSignIn } from './helpers/stored-sign-in.js';
import { clerkErrors, invitation, type FakeClerk, type Handler } from './helpers/fake-clerk.js';

// Found in review: a write answered for the client it was sent with must never look stale (and be
// sent again) because another call adopted a new login meanwhile; and after stop() nothing more
// goes to Clerk — no 429 retry, no recovery after a 401.

const T0 = clientJwt('client_old_login', 0);
const NEW_LOGIN = clientJwt('client_new_login', 0);
const stored = storedSignIn;
const LIST = { organization_id: 'org_1' };
const CREATE = { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' };

let connected: Connected | undefined;
afterEach(async () => {
  await connected?.close();
  connected = undefined;
});

async function serve(handler: Handler): ReturnType<typeof serveStoredSignIn> {
  const served = await serveStoredSignIn(handler, T0);
  ({ connected } = served);
  return served;
}

const posts = (f: FakeClerk): (string | undefined)[] => f.requests.filter((r) => r.method === 'POST').map((r) => r.headers.authorization);

describe('a write answered for the client it was sent with', () => {
  it('is a success even when a new login was adopted while it was in flight: never sent twice', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { store, fake, connected } = await serve((request) => {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      const client = token === NEW_LOGIN ? 'client_new_login' : 'client_old_login';
      if (request.method === 'POST') return { json: envelopeFor(invitation(), client), until: held };
      return { json: envelopeFor({ data: [], total_count: 0 }, client) };
    });
    const create = connected.call('createOrganizationInvitations', CREATE);
    await expect.poll(() => fake.requests.length).toBe(1);
    // A new login lands in the file; a read adopts it while the create is still in flight.
    await store.set(fake.url, stored(NEW_LOGIN));
    expect((await connected.call('getOrganizationInvitations', LIST)).isError).toBeFalsy();
    release();
    const result = await create;
    expect(result.isError, text(result)).toBeFalsy();
    expect(posts(fake)).toEqual([`Bearer ${T0}`]);
  });
});

describe('after stop(), nothing more is sent to Clerk', () => {
  it('a POST refused with 429 is not retried; it says it had no effect', async () => {
    let stop: () => void = () => undefined;
    const { fake, connected, clerk } = await serve((request) => {
      if (request.method !== 'POST') return { json: envelopeFor({ data: [], total_count: 0 }, 'client_old_login') };
      stop();
      return { status: 429, headers: { 'retry-after': '0' }, json: clerkErrors({ code: 'too_many_requests' }) };
    });
    stop = () => clerk.stop();
    const result = await connected.call('createOrganizationInvitations', CREATE);
    expect(result.isError).toBe(true);
    expect(posts(fake)).toHaveLength(1);
    expect(text(result)).not.toContain('may have');
  });

  it('a call refused with 401 is not recovered with another token from the file', async () => {
    let stop: () => void = () => undefined;
    const late: { store?: CredentialStore; url: string } = { url: '' };
    const served = await serve((request) => {
      if (request.method !== 'POST') return { json: envelopeFor({ data: [], total_count: 0 }, 'client_old_login') };
      // Another process's login lands in the file, then the server is told to stop.
      late.store?.set(late.url, stored(NEW_LOGIN));
      stop();
      return { status: 401, json: clerkErrors({ code: 'signed_out' }) };
    });
    late.store = served.store;
    late.url = served.fake.url;
    stop = () => served.clerk.stop();
    const result = await served.connected.call('createOrganizationInvitations', CREATE);
    expect(result.isError).toBe(true);
    expect(posts(served.fake)).toEqual([`Bearer ${T0}`]);
    expect(text(result)).toContain('the server is stopping');
    expect(text(result)).not.toContain('may have');
  });
});

describe('a rotation whose write-back failed', () => {
  it('does not leave the file behind for good: the next rotation is written over the token the file still holds', async () => {
    let n = 0;
    const { store, fake, connected, clerk } = await serve((request) => {
      if (request.method !== 'POST') return { json: envelopeFor({ data: [], total_count: 0 }, 'client_old_login') };
      n += 1;
      return { json: envelopeFor(invitation(), 'client_old_login'), headers: { authorization: `Bearer ${clientJwt('client_old_login', n)}` } };
    });
    // The first write-back fails: the credentials file is, for a moment, a folder.
    renameSync(store.path, `${store.path}.aside`);
    mkdirSync(store.path);
    expect((await connected.call('createOrganizationInvitations', CREATE)).isError).toBeFalsy();
    await store.settled();
    rmdirSync(store.path);
    renameSync(`${store.path}.aside`, store.path);
    expect(store.get(fake.url)?.clientToken).toBe(T0);
    // The next rotation (1 → 2) is written over T0, which the file still holds.
    expect((await connected.call('createOrganizationInvitations', { ...CREATE, email_address: 'b@example.com' })).isError).toBeFalsy();
    await store.settled();
    expect(clerk.clientToken).toBe(clientJwt('client_old_login', 2));
    expect(store.get(fake.url)?.clientToken).toBe(clientJwt('client_old_login', 2));
  });
});

