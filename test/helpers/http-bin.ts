import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { BIN, baseEnv } from './cli.js';

/** The built bin serving MCP over HTTP (`serve --http`), as a test drives it. */
export interface HttpBin {
  readonly child: ChildProcess;
  /** The MCP endpoint, as printed on stderr. */
  readonly url: string;
  readonly origin: string;
  /** The bearer secret printed on stderr, when generated (undefined when it came from the environment). */
  readonly secret: string | undefined;
  /** All of stderr so far. */
  stderr(): string;
  /** Everything written to stdout so far (nothing is expected). */
  stdout(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every bin still running (afterEach). */
export function killHttpBins(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * Starts `node dist/index.js serve --http --port 0 …args` and waits for the line naming its URL
 * (and, when generated, the one with the bearer secret).
 */
export function startHttpBin(args: readonly string[], env: Record<string, string> = {}): Promise<HttpBin> {
  const child = spawn(process.execPath, [BIN, 'serve', '--http', '--port', '0', ...args], { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  let stdout = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the HTTP server did not start: ${stderr}`)), 15_000);
    void exited.then((code) => reject(new Error(`the HTTP server exited (${code}) before listening: ${stderr}`)));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      const url = /serving MCP over HTTP at (http:\/\/\S+\/mcp)/.exec(stderr)?.[1];
      const secret = /bearer secret for this run .*: (\S+)\n/.exec(stderr)?.[1];
      const told = secret !== undefined || /requests must carry/.test(stderr);
      if (url && told) {
        clearTimeout(timer);
        resolve({ child, url, origin: new URL(url).origin, secret, stderr: () => stderr, stdout: () => stdout, exited });
      }
    });
  });
}

/** What a raw request got back; `status` 0 when the connection was closed without an answer. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A request written by hand (node:http): any Host, any headers, a body sent at once or piece by piece. */
export function rawRequest(
  url: string,
  {
    method = 'POST',
    headers = {},
    body,
    pieces,
    path,
  }: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    pieces?: { readonly data: string; readonly afterMs: number }[];
    /** The request target sent as is (a URL would have its dot segments resolved). */
    path?: string;
  } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const { hostname, port, pathname, search } = new URL(url);
    const req = request({ hostname, port, path: path ?? `${pathname}${search}`, method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve({ status: 0, headers: {}, body: '' }) : reject(error)));
    if (!pieces) return void req.end(body);
    void (async () => {
      for (const piece of pieces) {
        await new Promise((r) => setTimeout(r, piece.afterMs));
        if (req.destroyed) return;
        req.write(piece.data);
      }
      if (!req.destroyed) req.end();
    })();
  });
}
