import { spawn } from 'node:child_process';
import type { Env } from '../../env.js';

/** The program and arguments that open `url` in a browser here, or undefined when there is none to run. */
export function browserCommand(url: string, env: Env, platform: NodeJS.Platform): { readonly command: string; readonly args: readonly string[] } | undefined {
  const chosen = env.BROWSER?.trim();
  if (chosen === 'none') return undefined;
  if (chosen) return { command: chosen, args: [url] };
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // Not `cmd /c start "" <url>`: Node (libuv) quotes the empty title as \"\", which start takes for
  // the title and the address both, and cmd would read & in the address. rundll32 gets the address
  // as one plain argument and hands it to the default browser.
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
  // Without a display xdg-open may start a text browser nobody sees.
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return { command: 'xdg-open', args: [url] };
  return undefined;
}

/** Whether a browser was started: `none` when there is none to run here, `failed` (with why) when it could not be started. */
export type BrowserStart = { readonly kind: 'started' } | { readonly kind: 'none' } | { readonly kind: 'failed'; readonly why: string };

/**
 * Opens `url` in the default browser, best effort: `BROWSER` when set (`none`: don't), else
 * `open` (macOS), rundll32's URL handler (Windows), `xdg-open` (elsewhere, when there is a
 * display). Resolves once the program has started, or failed to (e.g. no such program); never
 * rejects (the URL is printed anyway).
 */
export function openBrowser(url: string, env: Env, platform: NodeJS.Platform = process.platform): Promise<BrowserStart> {
  const chosen = browserCommand(url, env, platform);
  if (!chosen) return Promise.resolve({ kind: 'none' });
  return new Promise((resolve) => {
    try {
      const child = spawn(chosen.command, chosen.args, { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
      child.once('spawn', () => resolve({ kind: 'started' }));
      child.once('error', (error) => resolve({ kind: 'failed', why: `${chosen.command}: ${error.message}` }));
      child.unref();
    } catch (error) {
      resolve({ kind: 'failed', why: error instanceof Error ? error.message : String(error) });
    }
  });
}
