import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

/**
 * Serves the MCP server over stdin/stdout until stdin ends or the process is told to stop;
 * then runs `onClose` once. stdout carries protocol messages only.
 */
export async function serveStdio(server: McpServer, onClose: () => Promise<void>): Promise<void> {
  const transport = new StdioServerTransport();
  let closing = false;
  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await server.close().catch(() => undefined);
    await onClose();
  };
  // The SDK transport does not watch for the end of stdin: a client that goes away must not leave us running.
  process.stdin.once('end', () => void close());
  process.once('SIGTERM', () => void close());
  process.once('SIGINT', () => void close());
  await server.connect(transport);
}
