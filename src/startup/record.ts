import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Capability } from '../capability/model.js';
import { ClerkClient } from '../clerk/client.js';
import { createServer } from '../server.js';
import type { EarlyAnswers } from './early-answers.js';

/**
 * Asks the real server (the SDK's McpServer, built as the bin builds it) for its `initialize` and
 * `tools/list` answers. Run by the build, so the bin's early answers are the server's own, byte
 * for byte; and by the tests, which compare the two.
 */
export async function recordEarlyAnswers(capability: Capability): Promise<EarlyAnswers> {
  // The answers do not depend on Clerk: no request is made.
  const clerk = new ClerkClient({ baseUrl: 'https://clerk.invalid', clientToken: undefined, sessionId: undefined, apiVersion: '2026-05-12', timeoutMs: 1 });
  const server = createServer({ capability, clerk });
  const [client, serverSide] = InMemoryTransport.createLinkedPair();
  const answers = new Map<unknown, Record<string, unknown>>();
  const listed = new Promise<void>((resolve) => {
    client.onmessage = (message: JSONRPCMessage) => {
      if ('id' in message && 'result' in message) answers.set(message.id, message.result);
      if (answers.has(2)) resolve();
    };
  });
  await server.connect(serverSide);
  await client.start();
  const latest = SUPPORTED_PROTOCOL_VERSIONS[0];
  await client.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: latest, capabilities: {}, clientInfo: { name: 'build', version: '0' } } });
  await client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await client.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  await Promise.race([listed, new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not answer tools/list within 5 s')), 5_000).unref())]);
  await server.close();
  const { protocolVersion, ...initialize } = answers.get(1) ?? {};
  const list = answers.get(2);
  if (protocolVersion !== latest || !list || !Array.isArray(list.tools)) throw new Error('the server did not answer initialize and tools/list');
  return { protocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS], initialize, tools: list.tools as EarlyAnswers['tools'] };
}
