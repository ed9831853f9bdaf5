import { posix, win32 } from 'node:path';
import type { Env } from '../../env.js';

/** The MCP clients `install` and `uninstall` know. */
export const CLIENTS = ['claude-desktop', 'claude-code', 'cursor', 'vscode'] as const;
export type ClientId = (typeof CLIENTS)[number];

/** Where a client keeps its user-level MCP servers, and how it wants them written. */
export interface ClientConfig {
  readonly client: ClientId;
  /** The client's name, for messages. */
  readonly title: string;
  /** The config file (absolute). */
  readonly file: string;
  /** The object that maps server names to entries. */
  readonly serversKey: 'mcpServers' | 'servers';
  /** Fields the client wants in every stdio entry besides command, args and env. */
  readonly extraFields: Readonly<Record<string, string>>;
  /** Comments and trailing commas: accepted by the client, so accepted (and kept) here too. */
  readonly jsonc: boolean;
}

/** The machine whose paths are resolved: injectable, so that every OS's rule is tested on any OS. */
export interface Machine {
  readonly platform: NodeJS.Platform;
  readonly home: string;
  readonly env: Env;
}

const set = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

/**
 * The user-level config file of each client, as its vendor documents it (checked 2026-11):
 * - Claude Desktop: modelcontextprotocol.io/docs/develop/connect-local-servers — macOS
 *   `~/Library/Application Support/Claude/claude_desktop_config.json`, Windows
 *   `%APPDATA%\Claude\claude_desktop_config.json`, key `mcpServers`. Anthropic ships no Linux build;
 *   the Linux builds people use read `$XDG_CONFIG_HOME/Claude/` (default `~/.config/Claude/`).
 * - Claude Code: code.claude.com/docs/en/mcp — user scope (`claude mcp add --scope user`) lives in
 *   `~/.claude.json` (in `$CLAUDE_CONFIG_DIR` when that is set), key `mcpServers`, entries with
 *   `"type": "stdio"`.
 * - Cursor: cursor.com/docs/mcp — global `~/.cursor/mcp.json` (`%USERPROFILE%\.cursor\mcp.json`),
 *   key `mcpServers`.
 * - VS Code: code.visualstudio.com/docs/agents/reference/mcp-configuration — `mcp.json` in the user
 *   profile folder (`Code/User` under `%APPDATA%`, `~/Library/Application Support` or
 *   `$XDG_CONFIG_HOME`, default `~/.config`; `$VSCODE_APPDATA` replaces that base, as VS Code's own
 *   `userDataPath.js` does), key `servers`, entries with `"type": "stdio"`; the file is JSONC.
 *   A non-default VS Code profile has its own folder under `User/profiles/`: not handled here.
 */
export function clientConfig(client: ClientId, { platform, home, env }: Machine): ClientConfig {
  const path = platform === 'win32' ? win32 : posix;
  // Roaming AppData, as Windows apps find it; Node's os.homedir() is %USERPROFILE%.
  const appData = (): string => set(env, 'APPDATA') ?? path.join(home, 'AppData', 'Roaming');
  const xdgConfig = (): string => set(env, 'XDG_CONFIG_HOME') ?? path.join(home, '.config');
  const appSupport = (): string => path.join(home, 'Library', 'Application Support');
  const userData = (): string => (platform === 'win32' ? appData() : platform === 'darwin' ? appSupport() : xdgConfig());
  const mcpServers = { serversKey: 'mcpServers', extraFields: {}, jsonc: false } as const;
  switch (client) {
    case 'claude-desktop':
      return { client, title: 'Claude Desktop', file: path.join(userData(), 'Claude', 'claude_desktop_config.json'), ...mcpServers };
    case 'claude-code':
      return { client, title: 'Claude Code', file: path.join(set(env, 'CLAUDE_CONFIG_DIR') ?? home, '.claude.json'), ...mcpServers, extraFields: { type: 'stdio' } };
    case 'cursor':
      return { client, title: 'Cursor', file: path.join(home, '.cursor', 'mcp.json'), ...mcpServers };
    case 'vscode':
      return {
        client,
        title: 'VS Code',
        file: path.join(set(env, 'VSCODE_APPDATA') ?? userData(), 'Code', 'User', 'mcp.json'),
        serversKey: 'servers',
        extraFields: { type: 'stdio' },
        jsonc: true,
      };
  }
}
