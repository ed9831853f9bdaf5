import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { replicaLaunch, spawnBin, type Spawned } from '../helpers/hosted-bin.js';
import { freePort, startNginx, type RunningNginx } from './nginx.js';

// A hosted deployment on loopback, as the README's "Several replicas behind nginx" describes one: ONE Clerk (the
// sandbox, run on its own with `clerk-invitations-mcp sandbox`), N replicas of `serve --http
// --hosted` sharing nothing but that Clerk, and nginx in front (the shipped configuration).
//
// Between each replica and the sandbox's Backend API sits a tap: a pass-through that records every
// request the replica sends to Clerk (so a test can count the creates Clerk received, per email,
// and see which replica sent what), and that can kill the replica as soon as Clerk has answered one
// chosen create: a replica dying after its write reached Clerk, deterministically.

/** The sandbox's Backend API secret key (CLERK_SANDBOX_SECRET_KEY), shared with the replicas. */
const SECRET_KEY = 'sk_test_scaleSandboxSecretKey0123456789';

/** The sandbox on its own: its Frontend API (and OAuth issuer) URL, its Backend API URL. */
export async function startSandboxProcess(): Promise<Spawned & { url: string; backendApiUrl: string; backendBase: string }> {
  const spawned = await spawnBin(['sandbox', '--port', '0'], { CLERK_SANDBOX_SECRET_KEY: SECRET_KEY }, /at (http:\/\/127\.0\.0\.1:\d+)/);
  const url = spawned.match[1]!;
  return { ...spawned, url, backendApiUrl: `${url}/bapi/v1`, backendBase: `${url}/bapi` };
}

/** One request a replica sent to the Backend API. */
export interface TappedRequest {
  readonly replica: number;
  readonly method: string;
  readonly path: string;
  /** For a single create (POST …/invitations): the invitee's email. (The load makes no bulk creates.) */
  readonly email: string | undefined;
  /** Clerk's status, once it answered. */
  status?: number | undefined;
}

export interface Tap {
  readonly url: string;
  readonly requests: TappedRequest[];
  close(): Promise<void>;
}

/**
 * A recording pass-through from replica `replica` to `target` (the sandbox's Backend API base, without `/v1`). When a
 * create for an email matching `killOn` has been answered by Clerk, `onKill(replica)` runs and the
 * answer is never passed back.
 */
export async function startTap(replica: number, target: string, requests: TappedRequest[], killOn?: { email: RegExp; onKill: (replica: number) => void }): Promise<Tap> {
  const base = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // `/v1/organizations/…`: the replicas' Backend API base is this tap, without `/v1`, as Clerk's is.
      const path = req.url ?? '/';
      const isCreate = req.method === 'POST' && /\/organizations\/[^/]+\/invitations$/.test(path.split('?')[0]!);
      let email: string | undefined;
      if (isCreate) {
        try {
          email = (JSON.parse(body.toString('utf8')) as { email_address?: string }).email_address;
        } catch {
          email = undefined;
        }
      }
      const record: TappedRequest = { replica, method: req.method ?? '', path: path.split('?')[0]!, email };
      requests.push(record);
      const headers = { ...req.headers, host: base.host };
      const upstream = request(new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base.origin), { method: req.method, headers, agent }, (answer) => {
        record.status = answer.statusCode;
        if (killOn && email !== undefined && killOn.email.test(email)) {
          answer.resume();
          answer.once('end', () => killOn.onKill(replica));
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Replica extends Spawned {
  readonly index: number;
  readonly address: string;
  readonly tap: Tap;
  /** SIGKILL, as a crashed machine or an OOM kill would. */
  kill(): void;
}

export interface Cluster {
  readonly sandbox: Spawned & { url: string; backendApiUrl: string; backendBase: string };
  readonly replicas: Replica[];
  readonly nginx: RunningNginx;
  /** The MCP endpoint through nginx. */
  readonly url: URL;
  /** Every Backend API request of every replica. */
  readonly backendRequests: TappedRequest[];
  stop(): Promise<void>;
}

/** Starts the sandbox, `count` replicas (each behind its tap) and nginx; `killOn` as for startTap. */
export async function startCluster(count: number, killOn?: RegExp): Promise<Cluster> {
  const sandbox = await startSandboxProcess();
  const backendRequests: TappedRequest[] = [];
  const port = await freePort();
  // What clients reach the replicas by: nginx. Tokens are issued for `${publicUrl}/mcp`.
  const publicUrl = `http://127.0.0.1:${port}`;
  const replicas: Replica[] = [];
  const kill = (index: number) => replicas[index]?.kill();
  try {
    for (let index = 0; index < count; index++) {
      const tap = await startTap(index, sandbox.backendBase, backendRequests, killOn && { email: killOn, onKill: kill });
      const launch = replicaLaunch(publicUrl, sandbox.url, tap.url.replace(/\/$/, ''), SECRET_KEY);
      // --no-confirm: a load generator has no user to ask, and a 2025-era client over HTTP cannot
      // be asked at all (the server would refuse its revokes, failing closed).
      const spawned = await spawnBin([...launch.args, '--no-confirm'], launch.env, /http:\/\/127\.0\.0\.1:(\d+)\/mcp/);
      replicas.push({ ...spawned, index, address: `127.0.0.1:${spawned.match[1]}`, tap, kill: () => spawned.child.kill('SIGKILL') });
    }
    const nginx = await startNginx(
      replicas.map((r) => r.address),
      port,
    );
    return {
      sandbox,
      replicas,
      nginx,
      url: new URL('/mcp', publicUrl),
      backendRequests,
      stop: async () => {
        await nginx.stop();
        for (const replica of replicas) {
          replica.child.kill('SIGTERM');
          await replica.exited;
          await replica.tap.close();
        }
        sandbox.child.kill('SIGTERM');
        await sandbox.exited;
      },
    };
  } catch (error) {
    for (const replica of replicas) replica.child.kill('SIGKILL');
    sandbox.child.kill('SIGKILL');
    throw error;
  }
}

/** Every invitation of `organizationId`, straight from the sandbox's Backend API (all statuses, every page). */
export async function allInvitations(backendApiUrl: string, organizationId: string): Promise<{ id: string; email_address: string; status: string }[]> {
  const all: { id: string; email_address: string; status: string }[] = [];
  for (let offset = 0; ; offset += 500) {
    const response = await fetch(`${backendApiUrl}/organizations/${organizationId}/invitations?limit=500&offset=${offset}`, { headers: { authorization: `Bearer ${SECRET_KEY}` } });
    if (!response.ok) throw new Error(`listing invitations: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { data: { id: string; email_address: string; status: string }[]; total_count: number };
    all.push(...page.data);
    if (page.data.length < 500) return all;
  }
}
