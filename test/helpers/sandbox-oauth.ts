/**
 * Drives the sandbox's OAuth authorization server over plain fetch, as a public client with PKCE
 * S256 would: register, authorize with a `login_hint` (answered by a 302 with the code), exchange.
 */
import { createHash, randomBytes } from 'node:crypto';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function registerPublicClient(issuer: string, metadata: Record<string, unknown> = {}): Promise<{ client_id: string } & Record<string, unknown>> {
  const res = await fetch(`${issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', client_name: 'test client', ...metadata }),
  });
  if (res.status !== 201) throw new Error(`registration answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { client_id: string } & Record<string, unknown>;
}

/** `GET /oauth/authorize` without following the redirect: the status and the redirect's query. */
export async function authorize(issuer: string, params: Record<string, string>): Promise<{ status: number; redirect: URL | undefined; body: string }> {
  const res = await fetch(`${issuer}/oauth/authorize?${new URLSearchParams(params).toString()}`, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, redirect: location === null ? undefined : new URL(location), body: await res.text() };
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
}

/** A code for the user `loginHint` names, with the verifier that redeems it. */
export async function codeFor(issuer: string, clientId: string, loginHint: string, extra: Record<string, string> = {}): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const { status, redirect } = await authorize(issuer, {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'state-12345',
    login_hint: loginHint,
    ...extra,
  });
  const code = redirect?.searchParams.get('code');
  if (status !== 302 || code === null || code === undefined) throw new Error(`authorize answered ${status}, redirect ${redirect?.href ?? 'none'}`);
  return { code, verifier };
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/** The whole flow: a public client signs `loginHint` in and gets tokens. */
export async function signInWithOAuth(issuer: string, loginHint: string, clientId?: string): Promise<Tokens & { client_id: string }> {
  const client_id = clientId ?? (await registerPublicClient(issuer)).client_id;
  const { code, verifier } = await codeFor(issuer, client_id, loginHint);
  const { status, json } = await postForm(`${issuer}/oauth/token`, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id });
  if (status !== 200) throw new Error(`token answered ${status}: ${JSON.stringify(json)}`);
  return { ...(json as unknown as Tokens), client_id };
}

/** A Backend API call with the sandbox's secret key (or the one given). */
export async function backend(
  sandbox: { backendApiUrl: string; secretKey: string },
  method: string,
  path: string,
  body?: unknown,
  secretKey: string | null = sandbox.secretKey,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.backendApiUrl}${path}`, {
    method,
    headers: {
      ...(secretKey === null ? {} : { Authorization: `Bearer ${secretKey}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
