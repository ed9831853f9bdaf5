import { Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

/**
 * Serves the MCP server over stdin/stdout until stdin ends or the process is told to stop;
 * then runs `onClose` once. stdout carries protocol messages only.
 */
export async function serveStdio(server: McpServer, onClose: () => Promise<void>): Promise<void> {
  const transport = new StdioServerTransport(process.stdin, batched(process.stdout));
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

/**
 * A stream into `out` that sends what was written while its previous write was under way in one
 * write: answers that finish together (a burst of calls) cost one system call, not one each.
 */
function batched(out: NodeJS.WritableStream): Writable {
  return new Writable({
    writev(chunks, callback) {
      out.write(chunks.length === 1 ? (chunks[0]?.chunk as Buffer) : Buffer.concat(chunks.map((c) => c.chunk as Buffer)), callback);
    },
  });
}
