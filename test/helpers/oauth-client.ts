import { Client, StreamableHTTPClientTransport, UnauthorizedError, type ClientOptions, type ElicitResult } from '@modelcontextprotocol/client';
import type {
  OAuthClientInformationContext,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';

// The SDK v2 client's own OAuth support, driven without a browser: the sandbox's /oauth/authorize
// signs in the user named by `login_hint` and redirects straight back with the code, so
// `redirectToAuthorization` only has to fetch the authorization URL and read the redirect.
// Everything else (discovery, dynamic registration, PKCE, the code exchange, refreshing on a 401)
// is the SDK's code; this provider only stores what the SDK hands it, and counts it.

/** Where the authorization server is told to send the user back: never served, its redirect is read, not followed. */
const REDIRECT_URL = 'http://127.0.0.1:9/oauth/callback';

/** What the SDK did through the provider, for tests to assert that it really happened. */
export interface OAuthRecord {
  /** Client registrations the SDK saved (dynamic client registration). */
  readonly registrations: StoredOAuthClientInformation[];
  /** Every token set the SDK saved: after the code exchange, then after each refresh. */
  readonly savedTokens: StoredOAuthTokens[];
  /** Every authorization URL the SDK sent the "browser" to (PKCE's code_challenge is in it). */
  readonly authorizationUrls: URL[];
  /** PKCE verifiers the SDK generated. */
  readonly codeVerifiers: string[];
}

/** An in-memory OAuthClientProvider that signs in as `loginHint` at the sandbox. */
export class SandboxOAuthProvider implements OAuthClientProvider {
  readonly record: OAuthRecord = { registrations: [], savedTokens: [], authorizationUrls: [], codeVerifiers: [] };
  private readonly clients = new Map<string, StoredOAuthClientInformation>();
  private storedTokens: StoredOAuthTokens | undefined;
  private verifier: string | undefined;
  private discovery: OAuthDiscoveryState | undefined;
  private lastState: string | undefined;
  /** The redirect's query (code, state, iss), waiting for finishAuth. */
  private callback: URLSearchParams | undefined;

  constructor(readonly loginHint: string) {}

  get redirectUrl(): string {
    return REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: `clerk-invitations-mcp tests (${this.loginHint})`,
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    };
  }

  // Registrations are kept per issuer, as the SDK's guide says, so one is never sent to another server.
  clientInformation(ctx?: OAuthClientInformationContext): StoredOAuthClientInformation | undefined {
    return ctx ? this.clients.get(ctx.issuer) : undefined;
  }

  saveClientInformation(info: StoredOAuthClientInformation, ctx?: OAuthClientInformationContext): void {
    this.record.registrations.push(info);
    if (ctx) this.clients.set(ctx.issuer, info);
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.storedTokens;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.record.savedTokens.push(tokens);
    this.storedTokens = tokens;
  }

  state(): string {
    this.lastState = crypto.randomUUID();
    return this.lastState;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }

  saveCodeVerifier(verifier: string): void {
    this.record.codeVerifiers.push(verifier);
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (this.verifier === undefined) throw new Error('no PKCE code verifier saved');
    return this.verifier;
  }

  /** The "browser": the sandbox signs `loginHint` in and answers with a redirect carrying the code. */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.record.authorizationUrls.push(new URL(authorizationUrl));
    const url = new URL(authorizationUrl);
    url.searchParams.set('login_hint', this.loginHint);
    const response = await fetch(url, { redirect: 'manual' });
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null) {
      throw new Error(`the authorization server answered ${response.status} instead of redirecting back for ${this.loginHint}`);
    }
    const back = new URL(location, url);
    if (`${back.origin}${back.pathname}` !== REDIRECT_URL) throw new Error(`redirected to ${back.origin}${back.pathname}, not to ${REDIRECT_URL}`);
    const error = back.searchParams.get('error');
    if (error !== null) throw new Error(`the authorization server refused ${this.loginHint}: ${error}`);
    // The SDK leaves `state` to the application (its guide): a redirect for another flow is refused.
    if (back.searchParams.get('state') !== this.lastState) throw new Error('the redirect back carried another state');
    this.callback = back.searchParams;
  }

  /** The redirect's query, once: a second finishAuth with the same code would be a bug in the caller. */
  takeCallback(): URLSearchParams {
    const callback = this.callback;
    if (callback === undefined) throw new Error('no authorization redirect to finish');
    this.callback = undefined;
    return callback;
  }
}

/** The two protocol eras, as test/eras-stdio.test.ts pins them with the SDK client. */
export const ERAS: Record<'2025-11-25' | '2026-07-28', Pick<ClientOptions, 'versionNegotiation' | 'supportedProtocolVersions'>> = {
  '2025-11-25': { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] },
  '2026-07-28': { versionNegotiation: { mode: { pin: '2026-07-28' } } },
};
export type Era = keyof typeof ERAS;

/**
 * Connects `client` to `url` as the provider's user, as the SDK's OAuth guide does it: the first
 * connect meets the 401, and the SDK discovers the authorization server, registers, and sends the
 * user to authorize (UnauthorizedError); finishAuth exchanges the code (PKCE); a fresh transport
 * then connects with the token. With tokens already saved, the first connect simply succeeds.
 */
export async function connectWithOAuth(client: Client, url: URL, provider: SandboxOAuthProvider): Promise<void> {
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  try {
    await client.connect(transport);
    return;
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  await transport.finishAuth(provider.takeCallback());
  // A started transport cannot be restarted (the guide): the OAuth state lives on the provider.
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
}

/**
 * A new SDK client in `era`, signed in as `loginHint` through the sandbox's OAuth. With `answer`,
 * the client declares elicitation and answers each question (its message) with what `answer` returns.
 */
export async function oauthClient(url: URL, loginHint: string, era: Era, answer?: (message: string) => ElicitResult): Promise<{ client: Client; provider: SandboxOAuthProvider }> {
  const provider = new SandboxOAuthProvider(loginHint);
  const client = new Client({ name: 'oauth-e2e', version: '1.0.0' }, { ...ERAS[era], capabilities: answer ? { elicitation: {} } : {} });
  if (answer) client.setRequestHandler('elicitation/create', (request) => answer('message' in request.params ? request.params.message : ''));
  await connectWithOAuth(client, url, provider);
  return { client, provider };
}
