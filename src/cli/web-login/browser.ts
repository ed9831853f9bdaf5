import { spawn } from 'node:child_process';
import type { Env } from '../../env.js';

/**
 * Opens `url` in the default browser, best effort: `BROWSER` when set (`none`: don't), else
 * `open` (macOS), `start` (Windows), `xdg-open` (elsewhere, when there is a display). Returns
 * whether something was started; a failure to start is never an error (the URL is printed anyway).
 */
export function openBrowser(url: string, env: Env, platform: NodeJS.Platform = process.platform): boolean {
  const chosen = env.BROWSER?.trim();
  if (chosen === 'none') return false;
  let command: string;
  let args: string[];
  if (chosen) [command, args] = [chosen, [url]];
  else if (platform === 'darwin') [command, args] = ['open', [url]];
  else if (platform === 'win32') [command, args] = ['cmd', ['/c', 'start', '""', url]];
  // Without a display xdg-open may start a text browser nobody sees.
  else if (env.DISPLAY || env.WAYLAND_DISPLAY) [command, args] = ['xdg-open', [url]];
  else return false;
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
