import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { CallToolResult, ElicitRequest, ElicitResult } from '@modelcontextprotocol/client';
import { loadCapability } from '../../src/engine/load.js';
import type { Capability } from '../../src/engine/model.js';
import { ClerkClient } from '../../src/clerk/client.js';
import type { ClerkSettings } from '../../src/clerk/settings.js';
import { createClerkServer } from '../../src/cli/serve.js';
import type { ServerOptions } from '../../src/mcp/server.js';
import { CLIENT_TOKEN } from './fake-clerk.js';

export interface Connected {
  readonly client: Client;
  readonly clerk: ClerkClient;
  call(name: string, args: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** How the client answers an elicitation; `signal` aborts when the server withdraws the request. */
export type Elicit = (params: ElicitRequest['params'], signal: AbortSignal) => ElicitResult | Promise<ElicitResult>;

export interface ConnectOptions extends Pick<ServerOptions, 'confirm' | 'confirmTimeoutMs'> {
  /** Declare the elicitation capability and answer each elicitation with this. Without it the client has none. */
  readonly elicit?: Elicit;
}

/** An SDK Client connected in memory to the real server factory, pointed at `baseUrl`. */
export async function connect(
  settings: Partial<ClerkSettings> & { baseUrl: string },
  capability: Capability = loadCapability(),
  options: ConnectOptions = {},
): Promise<Connected> {
  return connectClerk(new ClerkClient(testSettings(settings)), capability, options);
}

/** Settings for tests: the fake's token, a short timeout. */
export function testSettings(settings: Partial<ClerkSettings> & { baseUrl: string }): ClerkSettings {
  return { clientToken: CLIENT_TOKEN, sessionId: undefined, apiVersion: '2026-05-12', timeoutMs: 5_000, ...settings };
}

/** An SDK Client connected in memory to the real server factory, around a given Clerk client. */
export async function connectClerk(clerk: ClerkClient, capability: Capability = loadCapability(), { elicit, ...serverOptions }: ConnectOptions = {}): Promise<Connected> {
  const server = createClerkServer({ capability, clerk, ...serverOptions });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-client', version: '1.0.0' }, elicit ? { capabilities: { elicitation: {} } } : {});
  if (elicit) client.setRequestHandler('elicitation/create', (request, ctx) => elicit(request.params, ctx.mcpReq.signal));
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  // Listing tools makes the client validate structuredContent against each tool's outputSchema.
  await client.listTools();
  return {
    client,
    clerk,
    call: async (name, args, options) =>
      (await client.callTool({ name, arguments: args }, options?.signal ? { signal: options.signal } : {})) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** The text of a tool result. */
export function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
