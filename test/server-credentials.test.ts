import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serverClerkClient } from '../src/clerk/server-session.js';
import { CredentialStore, type StoredCredentials } from '../src/credentials/store.js';
import { connectClerk, testSettings, text, type Connected } from './helpers/connect.js';
import { clerkErrors, envelope, invitation, startFakeClerk, type FakeClerk, type Handler } from './helpers/fake-clerk.js';

const LIST = { organization_id: 'org_1' };
const stored = (over: Partial<StoredCredentials> = {}): StoredCredentials => ({
  clientToken: 'client_token_stored',
  sessionId: 'sess_stored',
  userId: 'user_1',
  email: 'ann@example.com',
  savedAt: '2026-11-26T00:00:00.000Z',
  ...over,
});
const list: Handler = () => ({ json: envelope({ data: [invitation()], total_count: 1 }) });

let fake: FakeClerk | undefined;
let connected: Connected | undefined;
afterEach(async () => {
  await connected?.close();
  connected = fake = undefined;
});

const freshStore = (): CredentialStore => new CredentialStore(join(mkdtempSync(join(tmpdir(), 'cim-server-')), 'clerk-invitations-mcp', 'credentials.json'));
const auth = (i: number): string | undefined => fake?.requests[i]?.headers.authorization;

async function serve(handler: Handler, options: { envToken?: string; store?: CredentialStore; ticket?: string } = {}) {
  fake = await startFakeClerk(handler);
  const store = options.store ?? freshStore();
  const { clerk, source } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: options.envToken }), store, options.ticket);
  connected = await connectClerk(clerk);
  return { store, source, connected, fake };
}

describe('where the server gets its client token', () => {
  it('uses CLERK_CLIENT_TOKEN before the credentials file, and never writes it there', async () => {
    const store = freshStore();
    const rotating: Handler = () => ({ json: envelope({ data: [], total_count: 0 }), headers: { authorization: 'client_token_rotated_env' } });
    // The fake's URL is only known once it runs: store the entry for it, then connect.
    fake = await startFakeClerk(rotating);
    await store.set(fake.url, stored());
    const { clerk, source } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: 'client_token_env' }), store, undefined);
    connected = await connectClerk(clerk);
    expect(source).toBe('CLERK_CLIENT_TOKEN');
    await connected.call('getOrganizationInvitations', LIST);
    await connected.call('getOrganizationInvitations', LIST);
    expect(auth(0)).toBe('Bearer client_token_env');
    expect(auth(1)).toBe('Bearer client_token_rotated_env');
    expect(store.get(fake.url)?.clientToken).toBe('client_token_stored');
  });

  it('uses the stored entry for its own host, with its session', async () => {
    const store = freshStore();
    fake = await startFakeClerk(list);
    await store.set(fake.url, stored());
    await store.set('https://clerk.other.example', stored({ clientToken: 'client_token_other_host' }));
    const { clerk, source } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: undefined }), store, undefined);
    connected = await connectClerk(clerk);
    expect(source).toBe('credentials file');
    const result = await connected.call('getOrganizationInvitations', LIST);
    expect(result.isError).toBeFalsy();
    expect(auth(0)).toBe('Bearer client_token_stored');
    expect(fake.requests[0]?.query.get('_clerk_session_id')).toBe('sess_stored');
  });

  it('writes a token that Clerk rotates back to the credentials file', async () => {
    const store = freshStore();
    fake = await startFakeClerk((_r, hit) => ({ json: envelope({ data: [], total_count: 0 }), headers: { authorization: `Bearer client_token_rotated_${hit}` } }));
    await store.set(fake.url, stored());
    const { clerk } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: undefined }), store, undefined);
    connected = await connectClerk(clerk);
    await connected.call('getOrganizationInvitations', LIST);
    await store.settled(); // written back in the background
    expect(store.get(fake.url)?.clientToken).toBe('client_token_rotated_1');
    await connected.call('getOrganizationInvitations', LIST);
    expect(auth(1)).toBe('Bearer client_token_rotated_1');
    await store.settled();
    expect(store.get(fake.url)).toMatchObject({ clientToken: 'client_token_rotated_2', sessionId: 'sess_stored', userId: 'user_1' });
  });

  it('without any token, answers every call with how to sign in, and sends nothing', async () => {
    const { connected, fake } = await serve(list);
    const result = await connected.call('getOrganizationInvitations', LIST);
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/no Clerk client token: run `.+ login` in a terminal, or set CLERK_CLIENT_TOKEN/);
    expect(fake.requests).toHaveLength(0);
  });

  it('picks up a login made while it runs, without a restart', async () => {
    const { connected, fake, store, source } = await serve(list);
    expect(source).toBe('none');
    expect((await connected.call('getOrganizationInvitations', LIST)).isError).toBe(true);
    await store.set(fake.url, stored({ clientToken: 'client_token_new_login' }));
    const result = await connected.call('getOrganizationInvitations', LIST);
    expect(result.isError).toBeFalsy();
    expect(auth(0)).toBe('Bearer client_token_new_login');
  });

  it('after a 401, tries once more with credentials stored meanwhile (a new login or another process)', async () => {
    const store = freshStore();
    fake = await startFakeClerk((r) => {
      if (r.headers.authorization !== 'Bearer client_token_stored') return { json: envelope(invitation()) };
      // Another process writes its rotation back while this request is on its way.
      const landed = store.set(fake?.url ?? '', stored({ clientToken: 'client_token_from_elsewhere' }));
      return { status: 401, json: clerkErrors({ code: 'authentication_invalid' }), until: landed };
    });
    await store.set(fake.url, stored());
    const { clerk } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: undefined }), store, undefined);
    connected = await connectClerk(clerk);
    const result = await connected.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:basic_member' });
    expect(result.isError).toBeFalsy();
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual(['Bearer client_token_stored', 'Bearer client_token_from_elsewhere']);
  });

  it('writes rotations back when CLERK_SESSION_ID picks another session of the stored client', async () => {
    const store = freshStore();
    fake = await startFakeClerk(() => ({ json: envelope({ data: [], total_count: 0 }), headers: { authorization: 'client_token_rotated' } }));
    await store.set(fake.url, stored());
    const { clerk } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: undefined, sessionId: 'sess_other' }), store, undefined);
    connected = await connectClerk(clerk);
    await connected.call('getOrganizationInvitations', LIST);
    expect(fake.requests[0]?.query.get('_clerk_session_id')).toBe('sess_other');
    await store.settled();
    expect(store.get(fake.url)?.clientToken).toBe('client_token_rotated');
  });

  it('after a 401, does not go back to a token it used before (a file left behind by a failed write-back)', async () => {
    const store = freshStore();
    fake = await startFakeClerk((r, hit) =>
      hit === 1 ? { json: envelope({ data: [], total_count: 0 }), headers: { authorization: 'client_token_newer' } } : { status: 401, json: clerkErrors({ code: 'authentication_invalid' }) },
    );
    await store.set(fake.url, stored());
    const { clerk } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: undefined }), store, undefined);
    connected = await connectClerk(clerk);
    await connected.call('getOrganizationInvitations', LIST);
    // The write-back is lost (as if the disk had failed): the file still holds the older token.
    await store.set(fake.url, stored());
    const result = await connected.call('getOrganizationInvitations', LIST);
    expect(result.isError).toBe(true);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual(['Bearer client_token_stored', 'Bearer client_token_newer']);
    expect(clerk.clientToken).toBe('client_token_newer');
  });

  it('does not repeat a refused call when the stored credentials did not change', async () => {
    const store = freshStore();
    fake = await startFakeClerk(() => ({ status: 401, json: clerkErrors({ code: 'signed_out' }) }));
    await store.set(fake.url, stored());
    const { clerk } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: undefined }), store, undefined);
    connected = await connectClerk(clerk);
    const result = await connected.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:basic_member' });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/sign in again with `.+ login`/);
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses a credentials file others can read: the tools say how to fix it, and nothing is sent', async () => {
    const store = freshStore();
    fake = await startFakeClerk(list);
    await store.set(fake.url, stored());
    chmodSync(store.path, 0o640);
    const { clerk, source } = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: undefined }), store, undefined);
    connected = await connectClerk(clerk);
    expect(source).toBe('refused');
    const result = await connected.call('getOrganizationInvitations', LIST);
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`Fix it with: chmod 600 '${store.path}'`);
    expect(text(result)).not.toContain('client_token_stored');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('CLERK_SIGN_IN_TICKET', () => {
  const TICKET = 'sign_in_ticket_secret_value';
  // A Clerk that accepts the ticket once, like a Backend-API sign-in token.
  const ticketClerk = (): Handler => {
    let spent = false;
    return (r) => {
      if (r.method === 'POST' && r.path === '/v1/client/sign_ins') {
        if (r.form.get('ticket') !== TICKET || spent) return { status: 422, json: clerkErrors({ code: 'ticket_invalid', long_message: 'The ticket is invalid or was used.' }) };
        spent = true;
        return { json: envelope({ object: 'sign_in_attempt', id: 'sia_1', status: 'complete', created_session_id: 'sess_ticket' }), headers: { authorization: 'client_token_from_ticket' } };
      }
      if (r.path === '/v1/client') {
        const client = { id: 'client_t', sessions: [{ id: 'sess_ticket', status: 'active', user: { id: 'user_t', primary_email_address_id: 'idn_1', email_addresses: [{ id: 'idn_1', email_address: 'tick@example.com' }] } }] };
        return { json: { response: client, client } };
      }
      return { json: envelope({ data: [], total_count: 0 }) };
    };
  };

  it('is exchanged at start, saved, and not spent again after a restart', async () => {
    const { connected, fake, store, source } = await serve(ticketClerk(), { ticket: TICKET });
    expect(source).toBe('CLERK_SIGN_IN_TICKET');
    const result = await connected.call('getOrganizationInvitations', LIST);
    expect(result.isError).toBeFalsy();
    const signIn = fake.requests[0]!;
    expect(signIn.headers.authorization).toBe('');
    expect(Object.fromEntries(signIn.form)).toEqual({ strategy: 'ticket', ticket: TICKET });
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer client_token_from_ticket');
    expect(fake.requests.at(-1)?.query.get('_clerk_session_id')).toBe('sess_ticket');
    expect(store.get(fake.url)).toMatchObject({ clientToken: 'client_token_from_ticket', sessionId: 'sess_ticket', userId: 'user_t', email: 'tick@example.com' });
    expect(JSON.stringify(store.get(fake.url))).not.toContain(TICKET);

    // A restart with the same ticket uses the saved entry; the spent ticket is not sent again.
    const before = fake.requests.length;
    const again = serverClerkClient(testSettings({ baseUrl: fake.url, clientToken: undefined }), store, TICKET);
    expect(again.source).toBe('credentials file');
    const second = await connectClerk(again.clerk);
    expect((await second.call('getOrganizationInvitations', LIST)).isError).toBeFalsy();
    await second.close();
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual(['/v1/organizations/org_1/invitations']);
  });

  it('refused: every tool says why, without the ticket', async () => {
    const { connected, fake } = await serve(ticketClerk(), { ticket: 'sign_in_ticket_wrong_one' });
    const result = await connected.call('getOrganizationInvitations', LIST);
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/the sign-in ticket in CLERK_SIGN_IN_TICKET was not accepted: Clerk refused \(422 to POST \/v1\/client\/sign_ins\): ticket_invalid/);
    expect(text(result)).not.toContain('sign_in_ticket_wrong_one');
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/client/sign_ins']);
  });
});
