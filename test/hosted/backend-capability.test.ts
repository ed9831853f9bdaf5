import { Client, InMemoryTransport, type Tool } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import type { ToolExecutor } from '../../src/engine/executor.js';
import { BACKEND_API_CAPABILITY, loadCapability } from '../../src/engine/load.js';
import type { Capability } from '../../src/engine/model.js';
import { createServer } from '../../src/mcp/server.js';

// tools/list never runs a tool: an executor that refuses everything is enough to list them.
const listOnly: ToolExecutor = {
  execute: () => Promise.reject(new Error('not in this test')),
  questionContext: () => Promise.resolve({}),
  organizations: () => Promise.reject(new Error('not in this test')),
  explain: (what) => ({ text: `${what} failed`, expected: true }),
  unusableAnswer: () => 'unusable',
  redact: (text) => text,
};

/** What the SDK's client gets from tools/list for the capability, through the real server factory. */
async function toolsList(capability: Capability): Promise<Tool[]> {
  const server = createServer({ capability, executor: listOnly, instructions: '' });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
    await server.close();
  }
}

/** A JSON Schema without its descriptions (the two APIs word some parameters differently). */
function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'description').map(([key, v]) => [key, withoutDescriptions(v)]));
}

const frontend = loadCapability();
const backend = loadCapability(BACKEND_API_CAPABILITY);

describe('the Backend API capability (hosted mode)', () => {
  it('is read by the same loader: the five operations on the Backend API paths, payload = the body', () => {
    expect(backend.operations.map((o) => [o.name, o.method, o.path, o.output.value])).toEqual([
      ['createOrganizationInvitations', 'POST', '/v1/organizations/{organization_id}/invitations', '$.'],
      ['getOrganizationInvitations', 'GET', '/v1/organizations/{organization_id}/invitations', '$.'],
      ['bulkCreateOrganizationInvitations', 'POST', '/v1/organizations/{organization_id}/invitations/bulk', '$.'],
      ['getAllPendingOrganizationInvitations', 'GET', '/v1/organizations/{organization_id}/invitations/pending', '$.'],
      ['revokePendingOrganizationInvitation', 'POST', '/v1/organizations/{organization_id}/invitations/{invitation_id}/revoke', '$.'],
    ]);
  });

  it('takes no inviter_user_id or requesting_user_id from the caller: the server sets them', () => {
    const names = backend.operations.flatMap((o) => o.inputParameters.map((p) => p.name));
    expect(names).not.toContain('inviter_user_id');
    expect(names).not.toContain('requesting_user_id');
  });

  it('lists the same tools with the same arguments and hints as the Frontend API one, but for the Backend API limits', async () => {
    const [front, back] = await Promise.all([toolsList(frontend), toolsList(backend)]);
    expect(back.map((t) => t.name)).toEqual(front.map((t) => t.name));
    for (const [i, tool] of back.entries()) {
      const expected = structuredClone(front[i]!.inputSchema) as { properties: Record<string, Record<string, unknown>> };
      // The two documented differences (the capability's header says why); anything else is drift.
      if (tool.name === 'getOrganizationInvitations') expected.properties.status!.enum = ['pending', 'accepted', 'revoked', 'expired'];
      if (tool.name === 'bulkCreateOrganizationInvitations') expected.properties.email_address!.maxItems = 10;
      expect(withoutDescriptions(tool.inputSchema), tool.name).toEqual(withoutDescriptions(expected));
      expect(tool.annotations, tool.name).toEqual(front[i]!.annotations);
    }
  });

  it('describes the Backend API invitation as the result, without private_metadata', async () => {
    const [create] = await toolsList(backend);
    const properties = (create!.outputSchema as { properties: Record<string, unknown> }).properties;
    expect(Object.keys(properties)).toEqual(expect.arrayContaining(['id', 'inviter_id', 'public_inviter_data', 'expires_at']));
    expect(properties).not.toHaveProperty('private_metadata');
    expect(properties).not.toHaveProperty('public_organization_data');
  });
});
