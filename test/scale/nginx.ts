import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// nginx (Debian's package) in front of the replicas, run from the shipped configuration:
// deploy/nginx/clerk-invitations-mcp.conf is rendered with only its addresses changed (the lines it
// marks ADJUST: listen, server_name, the replicas, the access log's path), and wrapped in the few
// main-context lines a non-root, non-daemon nginx in a temp folder needs.

export const NGINX = '/usr/sbin/nginx';
export const SHIPPED_CONFIG = join(import.meta.dirname, '../../deploy/nginx/clerk-invitations-mcp.conf');

export interface SiteAddresses {
  /** `host:port` nginx listens on. */
  readonly listen: string;
  readonly serverName: string;
  /** `host:port` of each replica. */
  readonly replicas: readonly string[];
  readonly accessLog: string;
}

/**
 * The shipped site configuration with the addresses replaced. Everything else (keepalive,
 * timeouts, retries, headers, body size) stays byte for byte; a shipped file whose marked lines
 * are not found is an error, so the test cannot silently run another configuration.
 */
export function renderSite(source: string, site: SiteAddresses): string {
  const replace = (text: string, pattern: RegExp, by: (match: string, ...groups: string[]) => string, what: string): string => {
    if (!pattern.test(text)) throw new Error(`the shipped nginx configuration has no ${what} line`);
    return text.replace(pattern, by);
  };
  let out = source;
  // The upstream's replica lines: each `server <address> <parameters>;` becomes one per replica,
  // with the parameters of the first one shipped.
  out = replace(
    out,
    /^( *)server +\d+\.\d+\.\d+\.\d+:\d+( [^;\n]*)?;\n(?:\1server +\d+\.\d+\.\d+\.\d+:\d+(?: [^;\n]*)?;\n)*/m,
    (_match, indent = '', parameters = '') => site.replicas.map((address) => `${indent}server ${address}${parameters};\n`).join(''),
    'replica `server`',
  );
  out = replace(out, /^( *)listen +80;$/m, (_match, indent = '') => `${indent}listen ${site.listen};`, '`listen 80;`');
  out = replace(out, /^( *)server_name +[^;\n]+;$/m, (_match, indent = '') => `${indent}server_name ${site.serverName};`, '`server_name`');
  out = replace(out, /^( *)access_log +\S+ +clerk_invitations_mcp;$/m, (_match, indent = '') => `${indent}access_log ${site.accessLog} clerk_invitations_mcp;`, '`access_log`');
  return out;
}

/** The main context around the site: no daemon, everything nginx writes inside `prefix`, errors on stderr. */
export function mainConfig(prefix: string, sitePath: string): string {
  return [
    'daemon off;',
    'worker_processes 1;',
    `pid ${join(prefix, 'nginx.pid')};`,
    'error_log stderr notice;',
    'events { worker_connections 4096; }',
    'http {',
    `  client_body_temp_path ${join(prefix, 'body')};`,
    `  proxy_temp_path ${join(prefix, 'proxy')};`,
    `  fastcgi_temp_path ${join(prefix, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(prefix, 'uwsgi')};`,
    `  scgi_temp_path ${join(prefix, 'scgi')};`,
    `  include ${sitePath};`,
    '}',
    '',
  ].join('\n');
}

/** One line of the site's access log (its `clerk_invitations_mcp` format). */
export interface AccessLine {
  readonly request: string;
  readonly status: number;
  /** Every replica tried, in order (nginx lists them with `, ` when it passed the request on). */
  readonly upstreams: string[];
  readonly upstreamStatuses: string[];
}

export function parseAccessLog(text: string): AccessLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const match = /"(?<request>[^"]*)" (?<status>\d+) \d+ upstream=(?<upstream>.*?) upstream_status=(?<ustatus>.*?) request_time=/.exec(line);
      if (!match?.groups) throw new Error(`not a line of the clerk_invitations_mcp log format: ${line}`);
      const list = (value: string | undefined) => (value ?? '').split(/, | : /).filter((item) => item !== '-' && item !== '');
      return { request: match.groups.request ?? '', status: Number(match.groups.status), upstreams: list(match.groups.upstream), upstreamStatuses: list(match.groups.ustatus) };
    });
}

export interface RunningNginx {
  readonly url: string;
  readonly prefix: string;
  readonly accessLog: string;
  readonly child: ChildProcess;
  /** What nginx wrote on stderr so far. */
  stderr(): string;
  accessLines(): AccessLine[];
  stop(): Promise<void>;
}

/** Waits until something accepts connections on `port`. */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() - started > timeoutMs) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A free loopback port (taken by the OS, then released for nginx, which cannot report one it chose). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** These tests run Debian's nginx: without it they fail, saying what to install (CI's .ci/run installs it). */
function requireNginx(): void {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install Debian's nginx (apt-get install -y nginx)`);
}

/** Checks a configuration with `nginx -t`: resolves with nginx's output, rejects with it when refused. */
export async function testConfig(config: string, prefix: string): Promise<string> {
  requireNginx();
  const child = spawn(NGINX, ['-t', '-p', prefix, '-c', config, '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`nginx -t refused the configuration (exit ${code}):\n${output}`);
  return output;
}

/** Writes the rendered shipped configuration into a temp folder and starts nginx on it (on `port`, default a free one), in front of `replicas`. */
export async function startNginx(replicas: readonly string[], port?: number): Promise<RunningNginx> {
  requireNginx();
  const prefix = mkdtempSync(join(tmpdir(), 'cim-nginx-'));
  port ??= await freePort();
  const accessLog = join(prefix, 'access.log');
  const sitePath = join(prefix, 'clerk-invitations-mcp.conf');
  writeFileSync(sitePath, renderSite(readFileSync(SHIPPED_CONFIG, 'utf8'), { listen: `127.0.0.1:${port}`, serverName: '127.0.0.1', replicas, accessLog }));
  const config = join(prefix, 'nginx.conf');
  writeFileSync(config, mainConfig(prefix, sitePath));
  await testConfig(config, prefix);
  const child = spawn(NGINX, ['-p', prefix, '-c', config, '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`nginx did not start: ${stderr}`, { cause: error });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    prefix,
    accessLog,
    child,
    stderr: () => stderr,
    accessLines: () => (existsSync(accessLog) ? parseAccessLog(readFileSync(accessLog, 'utf8')) : []),
    stop: async () => {
      // SIGQUIT: nginx's graceful stop (workers finish their requests, then the master exits).
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
    },
  };
}
