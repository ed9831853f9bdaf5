// npm run demo: starts the built server with --sandbox, as a desktop client would, and drives
// all five tools through the MCP SDK's client, printing a short transcript.
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const org = 'org_sandbox';

const transport = new StdioClientTransport({ command: process.execPath, args: [server, '--sandbox'], stderr: 'pipe' });
const client = new Client({ name: 'clerk-invitations-demo', version: '1.0.0' });

const say = (line = '') => process.stdout.write(`${line}\n`);
const brief = (inv) => `${inv.email_address.padEnd(22)} ${inv.role.padEnd(17)} ${inv.status.padEnd(9)} ${inv.id}`;

// Exits non-zero when a call does not end as the demo expects, so that a broken server shows.
async function call(name, args, { expectError = false } = {}) {
  say(`\n> ${name} ${JSON.stringify(args)}`);
  const result = await client.callTool({ name, arguments: args });
  if (Boolean(result.isError) !== expectError) process.exitCode = 1;
  if (result.isError) {
    for (const line of result.content[0].text.split('\n')) say(`  ! ${line}`);
    return undefined;
  }
  const out = result.structuredContent;
  if (Array.isArray(out.data)) {
    say(`  ${out.total_count} invitation(s)${out.data.length < out.total_count ? `, showing ${out.data.length}` : ''}:`);
    for (const inv of out.data) say(`    ${brief(inv)}`);
  } else {
    say(`  ${brief(out)}`);
  }
  return out;
}

try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  if (tools.length !== 5) process.exitCode = 1;
  say(`Connected to ${client.getServerVersion()?.name} ${client.getServerVersion()?.version} (sandbox). Tools:`);
  for (const tool of tools) {
    const a = tool.annotations ?? {};
    say(`  ${tool.name.padEnd(38)} ${a.readOnlyHint ? 'read-only' : a.destructiveHint ? 'destructive' : 'creates'}`);
  }

  await call('getOrganizationInvitations', { organization_id: org, limit: 10 });
  const created = await call('createOrganizationInvitations', { organization_id: org, email_address: 'new.hire@example.com', role: 'org:member', notify: false });
  say('\n  (the same create again: Clerk refuses a second pending invitation)');
  await call('createOrganizationInvitations', { organization_id: org, email_address: 'new.hire@example.com', role: 'org:member' }, { expectError: true });
  await call('bulkCreateOrganizationInvitations', { organization_id: org, email_address: ['ana@example.com', 'ben@example.com'], role: 'org:admin', notify: false });
  await call('getAllPendingOrganizationInvitations', { organization_id: org });
  if (created) await call('revokePendingOrganizationInvitation', { organization_id: org, invitation_id: created.id });
  await call('getOrganizationInvitations', { organization_id: org, status: 'pending' });
  say(process.exitCode ? '\nSomething did not go as expected: see above.' : '\nDone: five tools, one sandbox, no Clerk account needed.');
} finally {
  await client.close();
}
