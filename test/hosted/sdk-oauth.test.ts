import { Client, StreamableHTTPClientTransport, UnauthorizedError, type OAuthClientProvider, type OAuthDiscoveryState, type StoredOAuthClientInformation, type StoredOAuthTokens } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/simulator.js';
import { killHttpBins, startHttpBin } from '../helpers/http-bin.js';

// The SDK client's own OAuth support finds its way from the server's 401 to a token: the
// challenge's resource_metadata, the protected resource's metadata, the authorization server's,
// dynamic registration, PKCE, the code exchange. (A sanity check of this server's half; the full
// SDK-client e2e, with refresh, two users and both eras, is the scale branch's.)
const REDIRECT = 'http://127.0.0.1:9/callback';

/** An OAuthClientProvider kept in memory whose "browser" follows the authorize URL with a login_hint. */
class SandboxUserProvider implements OAuthClientProvider {
  #client: StoredOAuthClientInformation | undefined;
  #tokens: StoredOAuthTokens | undefined;
  #verifier = '';
  #discovery: OAuthDiscoveryState | undefined;
  /** The code the authorization server redirected back with. */
  callback: URLSearchParams | undefined;
  constructor(readonly loginHint: string) {}
  readonly redirectUrl = REDIRECT;
  readonly clientMetadata = { client_name: 'sdk-oauth test', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
  clientInformation = (): StoredOAuthClientInformation | undefined => this.#client;
  saveClientInformation = (info: StoredOAuthClientInformation): void => void (this.#client = info);
  tokens = (): StoredOAuthTokens | undefined => this.#tokens;
  saveTokens = (tokens: StoredOAuthTokens): void => void (this.#tokens = tokens);
  saveCodeVerifier = (verifier: string): void => void (this.#verifier = verifier);
  codeVerifier = (): string => this.#verifier;
  saveDiscoveryState = (state: OAuthDiscoveryState): void => void (this.#discovery = state);
  discoveryState = (): OAuthDiscoveryState | undefined => this.#discovery;
  state = (): string => 'state-0123456789';
  async redirectToAuthorization(url: URL): Promise<void> {
    url.searchParams.set('login_hint', this.loginHint);
    const answer = await fetch(url, { redirect: 'manual' });
    this.callback = new URL(answer.headers.get('location') ?? '').searchParams;
  }
}

let sandbox: Sandbox | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  killHttpBins();
  await sandbox?.close();
});

describe('the SDK client\'s OAuth against serve --http --hosted', () => {
  it('discovers Clerk from the 401, registers, signs the user in with PKCE, and calls as that user', async () => {
    sandbox = await startSandbox();
    const bin = await startHttpBin(['--hosted'], { CLERK_FRONTEND_API_URL: sandbox.url, CLERK_BACKEND_API_URL: sandbox.backendApiUrl, CLERK_SECRET_KEY: sandbox.secretKey });
    const provider = new SandboxUserProvider('admin@sandbox.test');
    const first = new StreamableHTTPClientTransport(new URL(bin.url), { authProvider: provider });
    const client = new Client({ name: 'sdk-oauth', version: '1.0.0' });
    clients.push(client);
    await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.callback?.get('code')).toBeTruthy();
    await first.finishAuth(provider.callback!);
    await client.connect(new StreamableHTTPClientTransport(new URL(bin.url), { authProvider: provider }));

    const listed = await client.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_sandbox', status: 'pending' } });
    expect(listed.isError).toBeFalsy();
    expect(provider.tokens()?.access_token).toMatch(/^oat_/);
  });
});
