import { describe, expect, it } from 'vitest';
import { clerkErrors, envelope, startFakeClerk, type FakeClerk, type Handler } from './helpers/fake-clerk.js';
import { freshConfig, runCli } from './helpers/cli.js';

// A hostile organization: an OSC 8 hyperlink, a clear-screen, a C1 CSI, a right-to-left override, DEL.
const HOSTILE_ORG = 'Acme\u001b]8;;https://evil.example\u0007Inc\u001b]8;;\u0007\u001b[2J\u009b31m\u202eevil\u007f';
const HOSTILE_ORG_SHOWN = 'Acme\\u001b]8;;https://evil.example\\u0007Inc\\u001b]8;;\\u0007\\u001b[2J\\u009b31m\\u202eevil\\u007f';
const HOSTILE_EMAIL = 'boss@example.com\u001b[1A\u001b[2K';
const HOSTILE_ROLE = 'org:admin\u001b[8m';
const TOKEN = 'client_token_for_the_escape_test';
// Raw characters that steer a terminal; none may reach it.
const STEERING = /(?![\t\n])[\p{Cc}\p{Cf}]/u;

/** A Clerk whose user and organization carry terminal escapes; `signIn` answers the ticket sign-in. */
function hostileClerk(signIn: () => ReturnType<Handler> = () => ({ headers: { authorization: `Bearer ${TOKEN}` }, json: envelope({ id: 'sia_1', status: 'complete', created_session_id: 'sess_1' }) })): Handler {
  return (request) => {
    if (request.method === 'POST' && request.path === '/v1/client/sign_ins') return signIn();
    if (request.path === '/v1/client') {
      const user = { id: 'user_1', primary_email_address_id: 'idn_1', email_addresses: [{ id: 'idn_1', email_address: HOSTILE_EMAIL }] };
      return { json: envelope({ sessions: [{ id: 'sess_1', status: 'active', user }], last_active_session_id: 'sess_1' }) };
    }
    if (request.path === '/v1/me/organization_memberships') {
      const membership = { organization: { id: 'org_1', name: HOSTILE_ORG }, role: HOSTILE_ROLE, permissions: ['org:sys_memberships:manage'] };
      return { json: envelope({ data: [membership], total_count: 1 }) };
    }
    return { status: 404, json: clerkErrors({ code: 'resource_not_found' }) };
  };
}

let fake: FakeClerk | undefined;

describe('terminal escapes in what Clerk sends', () => {
  it('are shown escaped by login and whoami, never sent raw to the terminal', async () => {
    fake = await startFakeClerk(hostileClerk());
    const { env } = freshConfig();
    const at = ['--frontend-api-url', fake.url];
    const login = await runCli(['login', ...at, '--ticket', 'ticket_1'], env);
    expect(login.code).toBe(0);
    expect(login.stderr).toContain('Signed in as boss@example.com\\u001b[1A\\u001b[2K (user_1), session sess_1.');
    expect(login.stderr).toContain(`  org_1  ${HOSTILE_ORG_SHOWN}  (org:admin\\u001b[8m)`);
    const whoami = await runCli(['whoami', ...at], env);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toContain('User:          boss@example.com\\u001b[1A\\u001b[2K (user_1)');
    expect(whoami.stdout).toContain(`  org_1  ${HOSTILE_ORG_SHOWN}  (org:admin\\u001b[8m)`);
    for (const output of [login.stdout, login.stderr, whoami.stdout, whoami.stderr]) expect(output).not.toMatch(STEERING);
  });

  it('are shown escaped in a refusal from Clerk', async () => {
    fake = await startFakeClerk(hostileClerk(() => ({ status: 422, json: clerkErrors({ code: 'form_param_value_invalid', long_message: 'No such ticket\u001b]0;owned\u0007\u001b[2J' }) })));
    const run = await runCli(['login', '--frontend-api-url', fake.url, '--ticket', 'ticket_1'], freshConfig().env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('No such ticket\\u001b]0;owned\\u0007\\u001b[2J');
    expect(run.stdout + run.stderr).not.toMatch(STEERING);
  });

  it('are shown escaped when logout reports why Clerk would not end the session', async () => {
    const refusing: Handler = (request, hit) =>
      request.method === 'DELETE' && request.path === '/v1/client'
        ? { status: 500, json: clerkErrors({ code: 'internal_clerk_error', long_message: 'Try later\u001b]0;owned\u0007\u001b[2J' }) }
        : hostileClerk()(request, hit);
    fake = await startFakeClerk(refusing);
    const { env } = freshConfig();
    const at = ['--frontend-api-url', fake.url];
    expect((await runCli(['login', ...at, '--ticket', 'ticket_1'], env)).code).toBe(0);
    const run = await runCli(['logout', ...at], env);
    expect(run.stdout + run.stderr).toContain('Try later\\u001b]0;owned\\u0007\\u001b[2J');
    expect(run.stdout + run.stderr).not.toMatch(STEERING);
  });
});
