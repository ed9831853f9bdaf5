import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake Clerk received, for assertions. */
export interface Received {
  readonly method: string;
  /** The path after URL parsing (dot segments resolved). */
  readonly path: string;
  /** The path exactly as sent, before any parsing. */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly form: URLSearchParams;
  /** Resolves when the client closed the connection before an answer was sent. */
  readonly aborted: Promise<void>;
}

/** How to answer one request. */
export interface Reply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly text?: string;
  /** Drop the connection without answering (a network error for the client). */
  readonly destroy?: boolean;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Never answer (until the client gives up). */
  readonly hang?: boolean;
  /** Answer once this settles (after delayMs, if both are given). */
  readonly until?: Promise<unknown>;
  /** Write the answer by hand: slow bodies, broken bodies, huge bodies. */
  readonly respond?: (res: ServerResponse) => void;
}

export type Handler = (request: Received, hit: number) => Reply;

export interface FakeClerk {
  readonly url: string;
  readonly requests: Received[];
  /** Requests received and not yet answered (or dropped). */
  readonly inFlight: number;
  /** The most requests ever in flight at once. */
  readonly peakInFlight: number;
  close(): Promise<void>;
}

export const CLIENT_TOKEN = 'client_token_eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LWNsaWVudA.c2lnbmF0dXJl';
export const SESSION_JWT = 'session_jwt_eyJhbGciOiJSUzI1NiJ9.c2Vzc2lvbi1zZWNyZXQ.c2ln';

/** Clerk's success envelope, with a client object carrying a session JWT (which must never leak). */
export function envelope(response: unknown): unknown {
  return {
    response,
    client: { object: 'client', id: 'client_1', sessions: [{ id: 'sess_1', last_active_token: { object: 'token', jwt: SESSION_JWT } }] },
  };
}

/** Clerk's error body. */
export function clerkErrors(...errors: { code: string; long_message?: string; meta?: Record<string, unknown> }[]): unknown {
  return {
    errors: errors.map((e) => ({ message: e.code.replace(/_/g, ' '), long_message: `${e.code} happened`, ...e })),
    clerk_trace_id: 'trace_0123456789abcdef',
  };
}

export function invitation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    object: 'organization_invitation',
    id: 'orginv_1',
    email_address: 'a@example.com',
    role: 'org:basic_member',
    role_name: 'Member',
    organization_id: 'org_1',
    status: 'pending',
    public_metadata: {},
    url: null,
    expires_at: 1_800_000_000_000,
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_000,
    a_field_clerk_added_later: { nested: true },
    ...overrides,
  };
}

// The fakes a running test started: the per-test setup (test/setup/per-test.ts) closes them after
// it. One started outside a test (a file's beforeAll) lives until the file closes it.
const startedByTest = new Set<FakeClerk>();
let inTest = false;

/** Marks the start of a test: the fakes it starts are closed after it (the per-test setup). */
export function testStarts(): void {
  inTest = true;
}

/** Closes every fake Clerk the test started and still listening; run after each test by the per-test setup. */
export async function closeFakeClerks(): Promise<void> {
  inTest = false;
  await Promise.all([...startedByTest].map((fake) => fake.close()));
}

/**
 * A Clerk stand-in on a loopback port that records every request and answers through `handler`.
 * Started by a test, it is closed after that test (test/setup/per-test.ts), whatever the test does.
 */
export async function startFakeClerk(handler: Handler): Promise<FakeClerk> {
  const requests: Received[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const server = createServer((req, res) => {
    peakInFlight = Math.max(peakInFlight, ++inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    let closed = (): void => undefined;
    const aborted = new Promise<void>((resolve) => (closed = resolve));
    res.on('close', () => {
      if (!res.writableFinished) closed();
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = Buffer.concat(chunks).toString('utf8');
      const received: Received = {
        method: req.method ?? '',
        path: url.pathname,
        rawPath: (req.url ?? '/').split('?')[0] ?? '',
        query: url.searchParams,
        headers: req.headers,
        body,
        form: new URLSearchParams(body),
        aborted,
      };
      requests.push(received);
      const reply = handler(received, requests.length);
      const send = (): void => (reply.respond && !res.destroyed ? reply.respond(res) : answer(res, reply));
      const later = (): void => void (reply.until ? reply.until.then(send, send) : send());
      if (reply.hang) return;
      if (reply.delayMs) setTimeout(later, reply.delayMs);
      else later();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeClerk = {
    url: `http://127.0.0.1:${port}`,
    requests,
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        startedByTest.delete(fake);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  if (inTest) startedByTest.add(fake);
  return fake;
}

function answer(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  if (reply.destroy) {
    res.socket?.destroy();
    return;
  }
  const isJson = reply.json !== undefined;
  res.writeHead(reply.status ?? 200, { 'content-type': isJson ? 'application/json' : 'text/html', ...reply.headers });
  res.end(isJson ? JSON.stringify(reply.json) : (reply.text ?? ''));
}
