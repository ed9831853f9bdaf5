import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { allInvitations, startCluster, type Cluster } from './cluster.js';
import { audit, drive, ORGANIZATION, signInUsers, type User } from './load.js';
import type { Era } from '../helpers/oauth-client.js';

// nginx (the shipped configuration) in front of hosted replicas sharing one sandbox, driven by
// distinct OAuth users through the SDK v2 client in both protocol eras; one replica is SIGKILLed
// mid-run, right after a create it forwarded reached Clerk. `npm run scale-test`
// (scripts/scale-test.mjs) runs this file at full size: SCALE_REPLICAS=3, SCALE_USERS=50,
// SCALE_CALLS=2000, and SCALE_REPORT=<file> to receive the figures. The defaults keep `npm test` short.

const REPLICAS = Number(process.env.SCALE_REPLICAS ?? 2);
const USERS = Number(process.env.SCALE_USERS ?? 4);
const CALLS = Number(process.env.SCALE_CALLS ?? 120);
// Only catches a hang: the full run takes a minute or two on a loaded 2-core machine.
const TIMEOUT_MS = Math.max(90_000, CALLS * 300);
const ERAS: Era[] = ['2026-07-28', '2025-11-25'];
const MARKER = 'killed-after-sending@example.com';

let cluster: Cluster | undefined;
let users: User[] = [];
afterAll(async () => {
  await Promise.allSettled(users.map((user) => user.client.close()));
  await cluster?.stop();
});

describe(`nginx + ${REPLICAS} hosted replicas + one sandbox, ${USERS} OAuth users, ${CALLS} calls`, () => {
  it('reaches every replica, and a replica killed mid-run loses and duplicates nothing', { timeout: TIMEOUT_MS }, async () => {
    const signInStarted = performance.now();
    cluster = await startCluster(REPLICAS, new RegExp(`^${MARKER}$`));
    users = await signInUsers(cluster.url, USERS, ERAS);
    const signInMs = performance.now() - signInStarted;
    let servedBeforeKill = new Set<string>();
    const killed: number[] = [];
    const { outcomes, wallMs } = await drive(users, {
      calls: CALLS,
      runId: Date.now().toString(36),
      markerEmail: MARKER,
      midway: {
        after: Math.floor(CALLS / 2),
        action: () => {
          servedBeforeKill = new Set(cluster!.nginx.accessLines().flatMap((line) => line.upstreams));
        },
      },
    });
    for (const replica of cluster.replicas) if (replica.child.signalCode === 'SIGKILL') killed.push(replica.index);

    const invitations = await allInvitations(cluster.sandbox.backendApiUrl, ORGANIZATION);
    const result = audit(outcomes, wallMs, invitations, cluster.backendRequests);
    const perReplica = cluster.replicas.map((replica) => ({
      replica: replica.index,
      killed: killed.includes(replica.index),
      mcpRequests: cluster!.nginx.accessLines().filter((line) => line.upstreams.at(-1) === replica.address).length,
      backendRequests: cluster!.backendRequests.filter((request) => request.replica === replica.index).length,
      badGateways: cluster!.nginx.accessLines().filter((line) => line.status === 502 && line.upstreams.at(-1) === replica.address).length,
    }));
    const report = { replicas: REPLICAS, users: USERS, signInMs, ...result, perReplica, nginxStatuses: countBy(cluster.nginx.accessLines().map((line) => String(line.status))) };
    if (process.env.SCALE_REPORT) writeFileSync(process.env.SCALE_REPORT, JSON.stringify(report, null, 2));

    expect(outcomes).toHaveLength(CALLS);
    // Round robin reached every replica before the kill.
    expect(servedBeforeKill).toEqual(new Set(cluster.replicas.map((replica) => replica.address)));
    // Exactly one replica was killed: the one that forwarded the marked create, after Clerk applied it.
    expect(killed).toHaveLength(1);
    expect(result.duplicatedCreates).toEqual([]);
    expect(result.silentlyLostCreates).toEqual([]);
    expect(result.silentlyLostRevokes).toEqual([]);
    // The marked create reached Clerk once, was applied, and its client got an error, not a success.
    expect(cluster.backendRequests.filter((request) => request.email === MARKER)).toHaveLength(1);
    expect(result.erroredButApplied).toContain(MARKER);
    // The survivors kept serving: the calls after the kill still succeed.
    expect(outcomes.slice(-Math.floor(CALLS / 4)).filter((o) => o.ok).length).toBeGreaterThan(CALLS / 8);
  });
});

function countBy(items: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}
