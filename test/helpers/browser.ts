import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { BIN } from './cli.js';

/** Debian's chromium binary (/usr/bin/chromium is a wrapper script); .ci/run installs it when missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Generous bounds that only catch a hang: two CPU cores are shared by many test processes.
export const HANG_MS = 60_000;

/** Headless Chromium with a fresh profile of its own. */
export async function launchChromium(): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cim-chromium-')), { executablePath: CHROMIUM, args: ARGS, headless: true, timeout: HANG_MS });
  context.setDefaultTimeout(HANG_MS);
  context.setDefaultNavigationTimeout(HANG_MS);
  return context;
}

/** Saves a screenshot of each step under test-results/web-login/<name>/ (gitignored), numbered in order. */
export function screenshots(page: Page, name: string): (step: string) => Promise<void> {
  const folder = join(import.meta.dirname, '../../test-results/web-login', name.replace(/[^\w-]+/g, '-'));
  mkdirSync(folder, { recursive: true });
  let n = 0;
  return async (step) => void (await page.screenshot({ path: join(folder, `${String(++n).padStart(2, '0')}-${step}.png`), fullPage: true }));
}

/** Fills the page's one answer field and sends it; resolves once the next page has loaded. */
export async function answer(page: Page, text: string): Promise<void> {
  await page.fill('input[name=answer]', text);
  await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
}

/** Picks the option whose label contains `label`, and sends it; resolves once the next page has loaded. */
export async function pick(page: Page, label: string): Promise<void> {
  await page.getByLabel(label, { exact: false }).check();
  await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
}

/** The bin, started with `args`, and the first line of its stderr that matches `pattern`. */
export interface RunningBin {
  readonly child: ChildProcessWithoutNullStreams;
  stderr(): string;
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export function startBin(args: readonly string[], env: Record<string, string>): RunningBin {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  const waiting: (() => void)[] = [];
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
    for (const wake of waiting.splice(0)) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp): Promise<RegExpMatchArray> => {
    const giveUpAt = Date.now() + HANG_MS;
    for (;;) {
      const match = pattern.exec(stderr);
      if (match) return match;
      if (child.exitCode !== null || Date.now() > giveUpAt) throw new Error(`no ${pattern} on the bin's stderr:\n${stderr}`);
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { child, stderr: () => stderr, waitFor, exited };
}

/** The sign-in page's address, as `login --web` prints it. */
export const PAGE_URL = /(http:\/\/127\.0\.0\.1:\d+\/[\w-]{43})\b/;

/** A loopback forwarder to `target` that records each request (method and path): what reached "Clerk". */
export async function recordingProxy(target: string): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${new URL(req.url ?? '/', target).pathname}`);
    const forwarded = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } as IncomingHttpHeaders }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

/** A raw HTTP request (fetch cannot set Host): the status and body. */
export function rawRequest(url: string, options: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method, headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
