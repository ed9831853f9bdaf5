/** What to run: the MCP server (no command), or one of the terminal commands. */
export type Command = 'serve' | 'login' | 'whoami' | 'logout' | 'sandbox' | 'install' | 'uninstall' | 'validate';
// `serve` may be named (`serve --http` reads better) or left out, as MCP clients' configs do.
export const COMMANDS: readonly Command[] = ['serve', 'login', 'whoami', 'logout', 'sandbox', 'install', 'uninstall', 'validate'];
