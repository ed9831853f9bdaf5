import { describe, expect, it } from 'vitest';
import { toolDefinitions } from '../src/engine/definitions.js';
import { loadCapability } from '../src/engine/load.js';
import { convertedOnce } from '../src/mcp/tool-schemas.js';
import { envelope, invitation, startFakeClerk } from './helpers/fake-clerk.js';
import { connect } from './helpers/connect.js';

// Over HTTP a server is built for every request (issue 11): what depends only on the capability
// is built once and shared by every request's server; what the caller sends never is.
const TARGET = { target: 'draft-2020-12' } as const;

describe('what every request\'s server shares', () => {
  it('builds the tool definitions once per capability: the same schemas for every server', () => {
    const capability = loadCapability();
    const first = toolDefinitions(capability);
    const second = toolDefinitions(capability);
    expect(second).toBe(first);
    second.forEach((tool, i) => {
      expect(tool.inputSchema).toBe(first[i]!.inputSchema);
      expect(tool.outputSchema).toBe(first[i]!.outputSchema);
    });
    // Another capability (e.g. narrowed by --read-only) gets its own.
    const other = loadCapability();
    expect(toolDefinitions(other)).not.toBe(first);
  });

  it('converts each schema to JSON Schema once, frozen so that no server changes what another sends', () => {
    const [tool] = toolDefinitions(loadCapability());
    const wrapped = convertedOnce(tool!.inputSchema);
    expect(convertedOnce(tool!.inputSchema)).toBe(wrapped);
    const json = wrapped['~standard'].jsonSchema.input(TARGET);
    expect(wrapped['~standard'].jsonSchema.input(TARGET)).toBe(json);
    expect(json).toEqual(tool!.inputSchema['~standard'].jsonSchema.input(TARGET));
    expect(Object.isFrozen(json)).toBe(true);
    expect(Object.isFrozen(json.properties)).toBe(true);
    const output = convertedOnce(tool!.outputSchema)['~standard'].jsonSchema.output(TARGET);
    expect(convertedOnce(tool!.outputSchema)['~standard'].jsonSchema.output(TARGET)).toBe(output);
    expect(output).toEqual(tool!.outputSchema['~standard'].jsonSchema.output(TARGET));
  });

  it('still validates with zod: a bad argument is refused before anything is sent, a good one goes through', async () => {
    const clerk = await startFakeClerk(() => ({ json: envelope({ data: [invitation()], total_count: 1 }) }));
    const [first, second] = await Promise.all([connect({ baseUrl: clerk.url }), connect({ baseUrl: clerk.url })]);
    try {
      // Two servers built from the same cached definitions list the same tools.
      expect((await second.client.listTools()).tools).toEqual((await first.client.listTools()).tools);
      const refused = await first.call('getOrganizationInvitations', { organization_id: 42 });
      expect(refused.isError).toBe(true);
      expect(clerk.requests).toHaveLength(0);
      const listed = await second.call('getOrganizationInvitations', { organization_id: 'org_2q8mCacheTest0000000000', status: 'pending' });
      expect(listed.isError).toBeFalsy();
      expect(clerk.requests).toHaveLength(1);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
