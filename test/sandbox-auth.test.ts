import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  SANDBOX_BACKUP_CODE,
  SANDBOX_CODE,
  SANDBOX_PASSWORD,
  SANDBOX_USERS,
  startSandbox,
  type Sandbox,
} from '../src/sandbox/simulator.js';

interface ClerkError {
  code: string;
  message: string;
  long_message: string;
  meta: Record<string, unknown>;
}

interface SignInJson {
  object: string;
  id: string;
  status: string;
  supported_first_factors: Record<string, unknown>[] | null;
  supported_second_factors: Record<string, unknown>[] | null;
  first_factor_verification: Record<string, unknown> | null;
  second_factor_verification: Record<string, unknown> | null;
  identifier: string | null;
  created_session_id: string | null;
}

interface SessionJson {
  id: string;
  status: string;
  user: { id: string; email_addresses: { id: string; email_address: string }[] };
  last_active_token: { jwt: string };
  factor_verification_age: number[];
}

interface ClientJson {
  object: string;
  id: string;
  sessions: SessionJson[];
  sign_in: SignInJson | null;
  last_active_session_id: string | null;
}

interface Reply<T = unknown> {
  status: number;
  /** The Authorization response header: the client token to use from now on. */
  token: string | null;
  response: T;
  client: ClientJson | null;
  errors: ClerkError[];
}

interface CallOptions {
  form?: [string, string][];
  query?: [string, string][];
  /** `null` sends no Authorization header; a string sends exactly that (`''` for an empty one). */
  token?: string | null;
  native?: boolean;
}

const { admin, mfa } = SANDBOX_USERS;
const ADMIN_PERMISSIONS = [
  'org:sys_profile:manage',
  'org:sys_profile:delete',
  'org:sys_memberships:read',
  'org:sys_memberships:manage',
  'org:sys_domains:read',
  'org:sys_domains:manage',
];

let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await startSandbox();
});

afterEach(async () => {
  vi.useRealTimers();
  await sandbox.close();
});

async function call<T = unknown>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
  const query = new URLSearchParams(options.native === false ? [] : [['_is_native', '1']]);
  for (const [key, value] of options.query ?? []) query.append(key, value);
  const headers: Record<string, string> = {};
  if (options.token !== undefined && options.token !== null) headers['Authorization'] = options.token;
  let body: string | undefined;
  if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(`${sandbox.url}${path}?${query.toString()}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const json = (await res.json()) as { response?: T; client?: ClientJson | null; errors?: ClerkError[] };
  return {
    status: res.status,
    token: res.headers.get('authorization'),
    response: json.response as T,
    client: json.client ?? null,
    errors: json.errors ?? [],
  };
}

/** A native client as Clerk's SDKs run it: keeps the token of each answer and sends it next time. */
class NativeClient {
  token: string | null;
  constructor(token: string | null = null) {
    this.token = token;
  }

  async call<T = unknown>(method: string, path: string, options: Omit<CallOptions, 'token'> = {}): Promise<Reply<T>> {
    const reply = await call<T>(method, path, { ...options, token: this.token === null ? null : `Bearer ${this.token}` });
    if (reply.token !== null) this.token = reply.token;
    return reply;
  }

  signIn(form: [string, string][]): Promise<Reply<SignInJson>> {
    return this.call<SignInJson>('POST', '/v1/client/sign_ins', { form });
  }

  step(signIn: SignInJson, step: string, form: [string, string][]): Promise<Reply<SignInJson>> {
    return this.call<SignInJson>('POST', `/v1/client/sign_ins/${signIn.id}/${step}`, { form });
  }

  async signInWithPassword(email: string): Promise<Reply<SignInJson>> {
    return this.signIn([['strategy', 'password'], ['identifier', email], ['password', SANDBOX_PASSWORD]]);
  }
}

function errorOf(reply: Reply): ClerkError {
  const first = reply.errors[0];
  if (first === undefined) throw new Error(`no errors in the ${reply.status} answer`);
  return first;
}

const invitations = (org = 'org_sandbox'): string => `/v1/organizations/${org}/invitations`;
const MEMBERSHIPS = '/v1/me/organization_memberships';

describe('password sign-in', () => {
  it('creates a new client when Authorization is absent or empty, returning its token in the Authorization header', async () => {
    for (const token of [null, '']) {
      const reply = await call<SignInJson>('POST', '/v1/client/sign_ins', {
        token,
        form: [['strategy', 'password'], ['identifier', admin.email], ['password', SANDBOX_PASSWORD]],
      });
      expect(reply.status).toBe(200);
      expect(reply.token?.split('.')).toHaveLength(3);
      expect(reply.token).not.toBe(sandbox.clientToken);
      expect(reply.response).toMatchObject({ object: 'sign_in_attempt', status: 'complete' });
      expect(reply.response.id).toMatch(/^sia_[0-9A-Za-z]{27}$/);
      expect(reply.response.created_session_id).toMatch(/^sess_/);
      expect(reply.client).toMatchObject({ object: 'client', sign_in: null, last_active_session_id: reply.response.created_session_id });
      expect(reply.client?.id).toMatch(/^client_/);
      const works = await call('GET', invitations(), { token: `Bearer ${reply.token}` });
      expect(works.status).toBe(200);
    }
  });

  it('gives the new session the user, an active status and a session JWT', async () => {
    const reply = await new NativeClient().signInWithPassword(admin.email);
    const session = reply.client?.sessions.find((s) => s.id === reply.response.created_session_id);
    expect(session).toMatchObject({
      object: 'session',
      status: 'active',
      last_active_organization_id: null,
      user: {
        id: admin.id,
        username: admin.username,
        first_name: 'Sandbox',
        last_name: 'Admin',
        primary_email_address_id: admin.emailAddressId,
        email_addresses: [{ id: admin.emailAddressId, email_address: admin.email }],
      },
      factor_verification_age: [0, -1],
    });
    expect(session?.last_active_token.jwt.split('.')).toHaveLength(3);
    expect(session?.last_active_token.jwt).not.toBe(sandbox.sessionJwt);
  });

  it('answers an identifier alone with needs_first_factor and Clerk-shaped first factors', async () => {
    const reply = await new NativeClient().signIn([['identifier', admin.email]]);
    expect(reply.status).toBe(200);
    expect(reply.response).toEqual({
      object: 'sign_in_attempt',
      id: expect.stringMatching(/^sia_/),
      status: 'needs_first_factor',
      supported_identifiers: ['email_address', 'username'],
      supported_first_factors: [
        { strategy: 'password' },
        { strategy: 'email_code', safe_identifier: 'a***@sandbox.test', email_address_id: admin.emailAddressId, primary: true },
      ],
      supported_second_factors: null,
      first_factor_verification: null,
      second_factor_verification: null,
      identifier: admin.email,
      user_data: { first_name: 'Sandbox', last_name: 'Admin', image_url: expect.any(String), has_image: false },
      created_session_id: null,
      abandon_at: expect.any(Number),
    });
    expect(reply.client?.sign_in?.id).toBe(reply.response.id);
    expect(reply.client?.sessions).toEqual([]);
  });

  it('identifies by username, case-insensitively', async () => {
    const reply = await new NativeClient().signIn([['identifier', 'Sandbox-Admin']]);
    expect(reply.response).toMatchObject({ status: 'needs_first_factor', identifier: admin.username });
  });

  it('completes with attempt_first_factor and a password after identification', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['identifier', admin.email]]);
    const reply = await native.step(signIn, 'attempt_first_factor', [['strategy', 'password'], ['password', SANDBOX_PASSWORD]]);
    expect(reply.status).toBe(200);
    expect(reply.response).toMatchObject({
      id: signIn.id,
      status: 'complete',
      first_factor_verification: { status: 'verified', strategy: 'password' },
    });
    expect((await native.call('GET', MEMBERSHIPS)).status).toBe(200);
  });

  it('answers an empty form with needs_identifier', async () => {
    const reply = await new NativeClient().signIn([]);
    expect(reply.response).toMatchObject({ status: 'needs_identifier', identifier: null, supported_first_factors: null, user_data: null });
  });
});

describe('email code sign-in', () => {
  it('prepares an email code, then completes with the sandbox code', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['identifier', admin.email]]);
    const before = Date.now();
    const prepared = await native.step(signIn, 'prepare_first_factor', [['strategy', 'email_code'], ['email_address_id', admin.emailAddressId]]);
    expect(prepared.status).toBe(200);
    expect(prepared.response).toMatchObject({
      status: 'needs_first_factor',
      first_factor_verification: { status: 'unverified', strategy: 'email_code', attempts: 0 },
    });
    expect(prepared.response.first_factor_verification?.['expire_at']).toBeGreaterThan(before);
    const reply = await native.step(signIn, 'attempt_first_factor', [['strategy', 'email_code'], ['code', SANDBOX_CODE]]);
    expect(reply.response).toMatchObject({ status: 'complete', first_factor_verification: { status: 'verified', strategy: 'email_code', attempts: 1 } });
  });

  it('prepares the email code already when the sign-in is created with strategy=email_code', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['strategy', 'email_code'], ['identifier', admin.email]]);
    expect(signIn.first_factor_verification).toMatchObject({ status: 'unverified', strategy: 'email_code' });
    const reply = await native.step(signIn, 'attempt_first_factor', [['strategy', 'email_code'], ['code', SANDBOX_CODE]]);
    expect(reply.response.status).toBe('complete');
  });

  it('answers 400 verification_missing for an email code that was never prepared', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['identifier', admin.email]]);
    const reply = await native.step(signIn, 'attempt_first_factor', [['strategy', 'email_code'], ['code', SANDBOX_CODE]]);
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('verification_missing');
  });

  it('answers 422 form_code_incorrect for a wrong code, then 400 verification_failed after 3, until prepared again', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['strategy', 'email_code'], ['identifier', admin.email]]);
    for (let i = 0; i < 3; i++) {
      const wrong = await native.step(signIn, 'attempt_first_factor', [['strategy', 'email_code'], ['code', '000000']]);
      expect(wrong.status).toBe(422);
      expect(errorOf(wrong)).toMatchObject({ code: 'form_code_incorrect', meta: { param_name: 'code' } });
    }
    const blocked = await native.step(signIn, 'attempt_first_factor', [['strategy', 'email_code'], ['code', SANDBOX_CODE]]);
    expect(blocked.status).toBe(400);
    expect(errorOf(blocked).code).toBe('verification_failed');
    expect(errorOf(blocked).long_message).toContain('Too many failed attempts');
    await native.step(signIn, 'prepare_first_factor', [['strategy', 'email_code'], ['email_address_id', admin.emailAddressId]]);
    const ok = await native.step(signIn, 'attempt_first_factor', [['strategy', 'email_code'], ['code', SANDBOX_CODE]]);
    expect(ok.response.status).toBe('complete');
  });

  it('answers 400 verification_expired for a code attempted after 10 minutes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['strategy', 'email_code'], ['identifier', admin.email]]);
    vi.setSystemTime(Date.now() + 10 * 60_000 + 1);
    const reply = await native.step(signIn, 'attempt_first_factor', [['strategy', 'email_code'], ['code', SANDBOX_CODE]]);
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('verification_expired');
  });

  it('rejects prepare_first_factor without, or with a foreign, email_address_id', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['identifier', admin.email]]);
    const missing = await native.step(signIn, 'prepare_first_factor', [['strategy', 'email_code']]);
    expect(errorOf(missing)).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'email_address_id' } });
    const foreign = await native.step(signIn, 'prepare_first_factor', [['strategy', 'email_code'], ['email_address_id', mfa.emailAddressId]]);
    expect(errorOf(foreign)).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'email_address_id' } });
  });
});

describe('second factor', () => {
  async function needsSecondFactor(): Promise<{ native: NativeClient; signIn: SignInJson }> {
    const native = new NativeClient();
    const { response: signIn } = await native.signInWithPassword(mfa.email);
    return { native, signIn };
  }

  it('answers a correct mfa password with needs_second_factor and Clerk-shaped second factors', async () => {
    const { signIn } = await needsSecondFactor();
    expect(signIn).toMatchObject({
      status: 'needs_second_factor',
      created_session_id: null,
      first_factor_verification: { status: 'verified', strategy: 'password' },
      second_factor_verification: null,
      supported_second_factors: [
        { strategy: 'totp' },
        { strategy: 'phone_code', safe_identifier: '+1******0100', phone_number_id: mfa.phone.id },
        { strategy: 'backup_code' },
      ],
    });
  });

  it('completes with a TOTP code, recording the second factor on the session', async () => {
    const { native, signIn } = await needsSecondFactor();
    const reply = await native.step(signIn, 'attempt_second_factor', [['strategy', 'totp'], ['code', SANDBOX_CODE]]);
    expect(reply.status).toBe(200);
    expect(reply.response).toMatchObject({ status: 'complete', second_factor_verification: { status: 'verified', strategy: 'totp' } });
    const session = reply.client?.sessions.find((s) => s.id === reply.response.created_session_id);
    expect(session).toMatchObject({ status: 'active', user: { id: mfa.id }, factor_verification_age: [0, 0] });
  });

  it('prepares and completes a phone code', async () => {
    const { native, signIn } = await needsSecondFactor();
    const prepared = await native.step(signIn, 'prepare_second_factor', [['strategy', 'phone_code'], ['phone_number_id', mfa.phone.id]]);
    expect(prepared.response).toMatchObject({
      status: 'needs_second_factor',
      second_factor_verification: { status: 'unverified', strategy: 'phone_code', attempts: 0 },
    });
    const reply = await native.step(signIn, 'attempt_second_factor', [['strategy', 'phone_code'], ['code', SANDBOX_CODE]]);
    expect(reply.response.status).toBe('complete');
  });

  it('answers 400 verification_missing for a phone code that was never prepared', async () => {
    const { native, signIn } = await needsSecondFactor();
    const reply = await native.step(signIn, 'attempt_second_factor', [['strategy', 'phone_code'], ['code', SANDBOX_CODE]]);
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('verification_missing');
  });

  it('completes with the backup code and refuses another code as backup code', async () => {
    const { native, signIn } = await needsSecondFactor();
    const wrong = await native.step(signIn, 'attempt_second_factor', [['strategy', 'backup_code'], ['code', SANDBOX_CODE]]);
    expect(errorOf(wrong).code).toBe('form_code_incorrect');
    const reply = await native.step(signIn, 'attempt_second_factor', [['strategy', 'backup_code'], ['code', SANDBOX_BACKUP_CODE]]);
    expect(reply.response).toMatchObject({ status: 'complete', second_factor_verification: { strategy: 'backup_code', status: 'verified' } });
  });

  it('keeps TOTP failed after 3 wrong codes for this attempt, while another factor still works', async () => {
    const { native, signIn } = await needsSecondFactor();
    for (let i = 0; i < 3; i++) {
      const wrong = await native.step(signIn, 'attempt_second_factor', [['strategy', 'totp'], ['code', '111111']]);
      expect(errorOf(wrong).code).toBe('form_code_incorrect');
    }
    await native.step(signIn, 'attempt_second_factor', [['strategy', 'backup_code'], ['code', 'nope']]);
    const blocked = await native.step(signIn, 'attempt_second_factor', [['strategy', 'totp'], ['code', SANDBOX_CODE]]);
    expect(blocked.status).toBe(400);
    expect(errorOf(blocked).code).toBe('verification_failed');
    const backup = await native.step(signIn, 'attempt_second_factor', [['strategy', 'backup_code'], ['code', SANDBOX_BACKUP_CODE]]);
    expect(backup.response.status).toBe('complete');
  });

  it('reaches the second factor after an email code as first factor too', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['strategy', 'email_code'], ['identifier', mfa.email]]);
    const reply = await native.step(signIn, 'attempt_first_factor', [['strategy', 'email_code'], ['code', SANDBOX_CODE]]);
    expect(reply.response.status).toBe('needs_second_factor');
  });

  it('refuses second-factor steps before the first factor, and TOTP preparation', async () => {
    const native = new NativeClient();
    const { response: identified } = await native.signIn([['identifier', mfa.email]]);
    const early = await native.step(identified, 'attempt_second_factor', [['strategy', 'totp'], ['code', SANDBOX_CODE]]);
    expect(early.status).toBe(400);
    expect(errorOf(early).code).toBe('verification_missing');
    const { response: passwordDone } = await native.signInWithPassword(mfa.email);
    const prepare = await native.step(passwordDone, 'prepare_second_factor', [['strategy', 'totp']]);
    expect(prepare.status).toBe(400);
    expect(errorOf(prepare).code).toBe('strategy_for_user_invalid');
  });
});

describe('ticket sign-in', () => {
  it('signs in with a ticket from issueSignInTicket, which works only once', async () => {
    const ticket = sandbox.issueSignInTicket();
    const first = await new NativeClient().signIn([['strategy', 'ticket'], ['ticket', ticket]]);
    expect(first.status).toBe(200);
    expect(first.response).toMatchObject({
      status: 'complete',
      identifier: admin.email,
      first_factor_verification: { status: 'verified', strategy: 'ticket' },
    });
    expect(first.client?.sessions[0]?.user.id).toBe(admin.id);
    const again = await new NativeClient().signIn([['strategy', 'ticket'], ['ticket', ticket]]);
    expect(again.status).toBe(400);
    expect(errorOf(again)).toMatchObject({ code: 'sign_in_token_already_used_code', meta: { param_name: 'ticket' } });
    expect(again.token).toBeNull();
  });

  it('skips the second factor for a ticket of the mfa user', async () => {
    const reply = await new NativeClient().signIn([['strategy', 'ticket'], ['ticket', sandbox.issueSignInTicket(mfa.id)]]);
    expect(reply.response).toMatchObject({ status: 'complete', second_factor_verification: null });
    expect(reply.client?.sessions[0]?.user.id).toBe(mfa.id);
  });

  it('answers 400 ticket_invalid_code for an unknown ticket and ticket_expired_code for an expired one', async () => {
    const unknown = await new NativeClient().signIn([['strategy', 'ticket'], ['ticket', 'a.b.c']]);
    expect(errorOf(unknown).code).toBe('ticket_invalid_code');
    vi.useFakeTimers({ toFake: ['Date'] });
    const ticket = sandbox.issueSignInTicket();
    vi.setSystemTime(Date.now() + 10 * 60_000 + 1);
    const expired = await new NativeClient().signIn([['strategy', 'ticket'], ['ticket', ticket]]);
    expect(errorOf(expired).code).toBe('ticket_expired_code');
  });

  it('refuses to issue a ticket for a user the sandbox does not have', () => {
    expect(() => sandbox.issueSignInTicket('user_nobody')).toThrow(/user_nobody/);
  });
});

describe('sign-in refusals', () => {
  it('answers 422 form_identifier_not_found for an unknown identifier, creating no client', async () => {
    const reply = await new NativeClient().signIn([['identifier', 'nobody@sandbox.test']]);
    expect(reply.status).toBe(422);
    expect(errorOf(reply)).toMatchObject({ code: 'form_identifier_not_found', meta: { param_name: 'identifier' } });
    expect(reply.token).toBeNull();
  });

  it('answers 422 form_password_incorrect for a wrong password', async () => {
    const reply = await new NativeClient().signIn([['strategy', 'password'], ['identifier', admin.email], ['password', 'wrong']]);
    expect(reply.status).toBe(422);
    expect(errorOf(reply)).toMatchObject({ code: 'form_password_incorrect', meta: { param_name: 'password' } });
  });

  it('locks the user for 30 minutes at the fifth wrong password, on every client, with lockout_expires_in_seconds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const attempt = (password: string): Promise<Reply<SignInJson>> =>
      new NativeClient().signIn([['strategy', 'password'], ['identifier', admin.email], ['password', password]]);
    for (let i = 0; i < 4; i++) expect(errorOf(await attempt('wrong')).code).toBe('form_password_incorrect');
    const locked = await attempt('wrong');
    expect(locked.status).toBe(403);
    expect(errorOf(locked)).toMatchObject({ code: 'user_locked', meta: { lockout_expires_in_seconds: 1800 } });
    const right = await attempt(SANDBOX_PASSWORD);
    expect(right.status).toBe(403);
    expect(errorOf(right).code).toBe('user_locked');
    // The seed client's pre-existing session is unaffected; other users are not locked.
    expect((await call('GET', invitations(), { token: sandbox.clientToken })).status).toBe(200);
    expect((await new NativeClient().signInWithPassword(mfa.email)).status).toBe(200);
    vi.setSystemTime(Date.now() + 20 * 60_000);
    expect(errorOf(await attempt(SANDBOX_PASSWORD)).meta['lockout_expires_in_seconds']).toBe(600);
    vi.setSystemTime(Date.now() + 10 * 60_000);
    expect((await attempt(SANDBOX_PASSWORD)).response.status).toBe('complete');
  });

  it('answers 400 strategy_for_user_invalid for a strategy the user does not have', async () => {
    const create = await new NativeClient().signIn([['strategy', 'phone_code'], ['identifier', admin.email]]);
    expect(create.status).toBe(400);
    expect(errorOf(create).code).toBe('strategy_for_user_invalid');
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['identifier', admin.email]]);
    const prepare = await native.step(signIn, 'prepare_first_factor', [['strategy', 'phone_code']]);
    expect(errorOf(prepare).code).toBe('strategy_for_user_invalid');
  });

  it('answers 422 form_param_missing, form_param_unknown and form_param_value_invalid for bad forms', async () => {
    const cases: [[string, string][], string, string][] = [
      [[['strategy', 'password'], ['identifier', admin.email]], 'form_param_missing', 'password'],
      [[['strategy', 'password'], ['password', SANDBOX_PASSWORD]], 'form_param_missing', 'identifier'],
      [[['strategy', 'ticket']], 'form_param_missing', 'ticket'],
      [[['identifier', admin.email], ['password', SANDBOX_PASSWORD]], 'form_param_unknown', 'password'],
      [[['identifier', admin.email], ['redirect_url', 'https://x.test']], 'form_param_unknown', 'redirect_url'],
      [[['identifier', admin.email], ['strategy', 'magic']], 'form_param_value_invalid', 'strategy'],
    ];
    for (const [form, code, name] of cases) {
      const reply = await new NativeClient().signIn(form);
      expect(reply.status, JSON.stringify(form)).toBe(422);
      expect(errorOf(reply), JSON.stringify(form)).toMatchObject({ code, meta: { param_name: name } });
    }
  });

  it('answers 404 resource_not_found for a replaced, completed or another client\'s sign-in attempt', async () => {
    const native = new NativeClient();
    const { response: first } = await native.signIn([['identifier', admin.email]]);
    await native.signIn([['identifier', mfa.email]]);
    const replaced = await native.step(first, 'attempt_first_factor', [['strategy', 'password'], ['password', SANDBOX_PASSWORD]]);
    expect(replaced.status).toBe(404);
    expect(errorOf(replaced).code).toBe('resource_not_found');
    const done = await native.signInWithPassword(admin.email);
    const afterComplete = await native.step(done.response, 'attempt_first_factor', [['strategy', 'password'], ['password', SANDBOX_PASSWORD]]);
    expect(errorOf(afterComplete).code).toBe('resource_not_found');
    const other = new NativeClient();
    const { response: othersAttempt } = await other.signIn([['identifier', mfa.email]]);
    const foreign = await native.step(othersAttempt, 'attempt_first_factor', [['strategy', 'password'], ['password', SANDBOX_PASSWORD]]);
    expect(errorOf(foreign).code).toBe('resource_not_found');
  });

  it('answers 400 identifier_already_signed_in for a user already signed in on the client', async () => {
    const reply = await call('POST', '/v1/client/sign_ins', { token: sandbox.clientToken, form: [['identifier', admin.email]] });
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatchObject({ code: 'identifier_already_signed_in', meta: { session_id: sandbox.sessionId } });
  });

  it('starts a sign-in on a brand-new client for an unknown token; answers 401 authentication_invalid without _is_native=1', async () => {
    const unknown = await call<SignInJson>('POST', '/v1/client/sign_ins', { token: 'Bearer a.b.c', form: [['identifier', admin.email]] });
    expect(unknown.status).toBe(200);
    expect(unknown.response.status).toBe('needs_first_factor');
    expect(unknown.client?.sessions).toEqual([]);
    expect(unknown.token?.split('.')).toHaveLength(3);
    const browser = await call('POST', '/v1/client/sign_ins', { token: null, native: false, form: [['identifier', admin.email]] });
    expect(browser.status).toBe(401);
    expect(errorOf(browser).long_message).toContain('_is_native=1');
  });

  it('answers 400 native_api_disabled to every request when the Native API is off', async () => {
    await sandbox.close();
    sandbox = await startSandbox({ nativeApi: false });
    for (const [method, path, token] of [
      ['POST', '/v1/client/sign_ins', null],
      ['GET', '/v1/client', sandbox.clientToken],
      ['GET', invitations(), sandbox.clientToken],
    ] as const) {
      const reply = await call(method, path, { token, ...(method === 'POST' ? { form: [['identifier', admin.email]] } : {}) });
      expect(reply.status, path).toBe(400);
      expect(errorOf(reply).code).toBe('native_api_disabled');
      expect(errorOf(reply).long_message).toContain('Native API is disabled');
    }
  });
});

describe('client token rotation during sign-in', () => {
  it('rotates the token on every successful sign-in step; the previous one is stale at once', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['identifier', admin.email]]);
    const t1 = native.token;
    await native.step(signIn, 'prepare_first_factor', [['strategy', 'email_code'], ['email_address_id', admin.emailAddressId]]);
    const t2 = native.token;
    expect(t2).not.toBe(t1);
    // The previous token names a brand-new client, which has no such sign-in attempt.
    const withPrevious = await call<SignInJson>('POST', `/v1/client/sign_ins/${signIn.id}/attempt_first_factor`, {
      token: `Bearer ${t1}`,
      form: [['strategy', 'email_code'], ['code', SANDBOX_CODE]],
    });
    expect(withPrevious.status).toBe(404);
    expect([t1, t2]).not.toContain(withPrevious.token);
    const stale = await call<ClientJson>('GET', '/v1/client', { token: `Bearer ${t1}` });
    expect(stale.status).toBe(200);
    expect(stale.response).toMatchObject({ sign_in: null, sessions: [] });
    const current = await native.step(signIn, 'attempt_first_factor', [['strategy', 'email_code'], ['code', SANDBOX_CODE]]);
    expect(current.response.status).toBe('complete');
  });

  it('does not rotate the token when a sign-in step fails', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signIn([['identifier', admin.email]]);
    const before = native.token;
    const wrong = await native.step(signIn, 'attempt_first_factor', [['strategy', 'password'], ['password', 'wrong']]);
    expect(wrong.status).toBe(422);
    expect(wrong.token).toBe(before);
  });

  it('replaces the attempt of the client whose token is sent, keeping the client', async () => {
    const native = new NativeClient();
    const first = await native.signIn([['identifier', admin.email]]);
    const second = await native.signIn([['identifier', mfa.email]]);
    expect(second.client?.id).toBe(first.client?.id);
    expect(second.response.id).not.toBe(first.response.id);
    expect(second.client?.sign_in?.id).toBe(second.response.id);
  });
});

describe('GET /v1/client', () => {
  it('answers the client as response and client, with its sessions and their users, without rotating', async () => {
    const token = sandbox.clientToken;
    const reply = await call<ClientJson>('GET', '/v1/client', { token: `Bearer ${token}` });
    expect(reply.status).toBe(200);
    expect(reply.response).toEqual(reply.client);
    expect(reply.response).toMatchObject({
      object: 'client',
      last_active_session_id: sandbox.sessionId,
      sessions: [{ id: sandbox.sessionId, status: 'active', user: { id: admin.id }, last_active_token: { jwt: sandbox.sessionJwt } }],
    });
    expect(reply.token).toBe(token);
  });

  it('answers { response: null, client: null } without a client token', async () => {
    const reply = await call('GET', '/v1/client', { token: null });
    expect(reply.status).toBe(200);
    expect(reply.response).toBeNull();
    expect(reply.client).toBeNull();
  });
});

describe('DELETE /v1/client', () => {
  it('ends every session and clears the token (Authorization: Bearer ); the old token is stale afterwards', async () => {
    const native = new NativeClient(sandbox.clientToken);
    await native.signInWithPassword(mfa.email).then((r) => native.step(r.response, 'attempt_second_factor', [['strategy', 'totp'], ['code', SANDBOX_CODE]]));
    const old = native.token ?? '';
    const reply = await call<ClientJson>('DELETE', '/v1/client', { token: `Bearer ${old}` });
    expect(reply.status).toBe(200);
    expect(reply.token?.trim()).toBe('Bearer');
    expect(reply.client).toBeNull();
    expect(reply.response.last_active_session_id).toBeNull();
    expect(reply.response.sessions.map((s) => s.status)).toEqual(['ended', 'ended']);
    for (const path of [invitations(), MEMBERSHIPS]) {
      const after = await call('GET', path, { token: `Bearer ${old}` });
      expect(after.status, path).toBe(401);
      expect(errorOf(after).code).toBe('signed_out');
    }
    const named = await call('GET', MEMBERSHIPS, { token: `Bearer ${old}`, query: [['_clerk_session_id', sandbox.sessionId]] });
    expect(errorOf(named).code).toBe('signed_out');
    const client = await call<ClientJson>('GET', '/v1/client', { token: `Bearer ${old}` });
    expect(client.response.id).not.toBe(reply.response.id);
    expect(client.response.sessions).toEqual([]);
    // Nothing left to delete with the old token: 404, one of the answers Clerk documents.
    const again = await call('DELETE', '/v1/client', { token: `Bearer ${old}` });
    expect(again.status).toBe(404);
    // A new sign-in works.
    const fresh = new NativeClient();
    expect((await fresh.signInWithPassword(admin.email)).response.status).toBe('complete');
    expect((await fresh.call('GET', invitations())).status).toBe(200);
  });
});

describe('GET /v1/me/organization_memberships', () => {
  interface MembershipJson {
    role: string;
    organization: { id: string };
  }

  it('answers a bare array of the user memberships, newest first, in Clerk shape', async () => {
    const reply = await call<MembershipJson[]>('GET', MEMBERSHIPS, { token: sandbox.clientToken });
    expect(reply.status).toBe(200);
    expect(reply.response.map((m) => [m.organization.id, m.role])).toEqual([
      ['org_readonly', 'org:member'],
      ['org_sandbox', 'org:admin'],
    ]);
    expect(reply.response[1]).toEqual({
      object: 'organization_membership',
      id: expect.stringMatching(/^orgmem_/),
      role: 'org:admin',
      role_name: 'Admin',
      permissions: ADMIN_PERMISSIONS,
      public_metadata: {},
      organization: expect.objectContaining({ object: 'organization', id: 'org_sandbox', name: 'Sandbox Inc', slug: 'sandbox-inc', members_count: 3, pending_invitations_count: 2 }),
      public_user_data: { identifier: admin.email, user_id: admin.id, first_name: 'Sandbox', last_name: 'Admin', image_url: expect.any(String), has_image: false },
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
    });
  });

  it('answers { data, total_count } with paginated=true, paging with limit and offset', async () => {
    const reply = await call<{ data: MembershipJson[]; total_count: number }>('GET', MEMBERSHIPS, {
      token: sandbox.clientToken,
      query: [['paginated', 'true'], ['limit', '1'], ['offset', '1']],
    });
    expect(reply.response.total_count).toBe(2);
    expect(reply.response.data.map((m) => m.organization.id)).toEqual(['org_sandbox']);
    const bare = await call<MembershipJson[]>('GET', MEMBERSHIPS, { token: sandbox.clientToken, query: [['limit', '1']] });
    expect(bare.response.map((m) => m.organization.id)).toEqual(['org_readonly']);
  });

  it('rejects a bad limit or paginated value with 422', async () => {
    for (const [name, value] of [['limit', '0'], ['paginated', 'yes']] as const) {
      const reply = await call('GET', MEMBERSHIPS, { token: sandbox.clientToken, query: [[name, value]] });
      expect(reply.status).toBe(422);
      expect(errorOf(reply)).toMatchObject({ code: 'form_param_format_invalid', meta: { param_name: name } });
    }
  });

  it('answers 401 signed_out for a client without a session', async () => {
    const native = new NativeClient();
    await native.signIn([['identifier', admin.email]]);
    const reply = await native.call('GET', MEMBERSHIPS);
    expect(reply.status).toBe(401);
    expect(errorOf(reply).code).toBe('signed_out');
  });
});

describe('acting as the session user', () => {
  async function seedClientWithMfaSession(): Promise<{ native: NativeClient; mfaSession: string }> {
    const native = new NativeClient(sandbox.clientToken);
    const { response: signIn } = await native.signInWithPassword(mfa.email);
    const done = await native.step(signIn, 'attempt_second_factor', [['strategy', 'totp'], ['code', SANDBOX_CODE]]);
    return { native, mfaSession: done.response.created_session_id ?? '' };
  }

  it('lets the signed-in mfa user manage org_sandbox but not see org_readonly', async () => {
    const native = new NativeClient();
    const { response: signIn } = await native.signInWithPassword(mfa.email);
    await native.step(signIn, 'attempt_second_factor', [['strategy', 'backup_code'], ['code', SANDBOX_BACKUP_CODE]]);
    const created = await native.call('POST', invitations(), { form: [['email_address', 'by-mfa@example.com'], ['role', 'org:basic_member']] });
    expect(created.status).toBe(200);
    const readonly = await native.call('GET', invitations('org_readonly'));
    expect(readonly.status).toBe(404);
    expect(errorOf(readonly).code).toBe('organization_not_found_or_unauthorized');
  });

  it('picks the session, and so the user role, with _clerk_session_id on a client with two sessions', async () => {
    const { native, mfaSession } = await seedClientWithMfaSession();
    const asAdmin = await native.call('GET', invitations('org_readonly'), { query: [['_clerk_session_id', sandbox.sessionId]] });
    expect(errorOf(asAdmin).code).toBe('missing_organization_permission');
    const asMfa = await native.call('GET', invitations('org_readonly'), { query: [['_clerk_session_id', mfaSession]] });
    expect(errorOf(asMfa).code).toBe('organization_not_found_or_unauthorized');
    const memberships = await native.call<{ organization: { id: string } }[]>('GET', MEMBERSHIPS, { query: [['_clerk_session_id', mfaSession]] });
    expect(memberships.response.map((m) => m.organization.id)).toEqual(['org_sandbox']);
    // Without _clerk_session_id, the last active session (the newest sign-in) acts.
    const lastActive = await native.call('GET', invitations('org_readonly'));
    expect(errorOf(lastActive).code).toBe('organization_not_found_or_unauthorized');
  });

  it('answers 401 signed_out for a _clerk_session_id that is not an active session of this client', async () => {
    const other = await new NativeClient().signInWithPassword(admin.email);
    const reply = await call('GET', MEMBERSHIPS, {
      token: sandbox.clientToken,
      query: [['_clerk_session_id', other.response.created_session_id ?? '']],
    });
    expect(reply.status).toBe(401);
    expect(errorOf(reply).code).toBe('signed_out');
  });
});
