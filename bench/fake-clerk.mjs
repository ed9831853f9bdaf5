// The loopback "Clerk" of the bench, run as its own process so that its work does not share an
// event loop with the bench client. It answers the list-invitations endpoint with a realistic
// envelope (five invitations and a client object), always the same, and prints its URL on stdout.
// It answers only the exact request the server makes: GET of the path and query given as argv[3]
// (native mode: `?status=…&limit=…&_is_native=1&__clerk_api_version=…`, in this order) with
// `Authorization: Bearer <argv[2]>`. So every process the bench compares is seen to make the same
// request: any other gets a 401 or 404, which the bench reports as a failed call.
import { createServer } from 'node:http';

const invitation = (i) => ({
  object: 'organization_invitation',
  id: `orginv_2q8mBench${String(i).padStart(10, '0')}`,
  email_address: `person.${i}@example.com`,
  role: i % 2 ? 'org:admin' : 'org:basic_member',
  role_name: i % 2 ? 'Admin' : 'Member',
  organization_id: 'org_2q8mBenchOrganization00',
  public_metadata: {},
  status: 'pending',
  url: null,
  expires_at: 1_800_000_000_000 + i,
  created_at: 1_700_000_000_000 + i,
  updated_at: 1_700_000_000_000 + i,
});

const body = JSON.stringify({
  response: { data: [1, 2, 3, 4, 5].map(invitation), total_count: 5 },
  client: {
    object: 'client',
    id: 'client_2q8mBenchClient000000000',
    sessions: [{ object: 'session', id: 'sess_2q8mBenchSession0000000', status: 'active', last_active_token: { object: 'token', jwt: 'eyJhbGciOiJSUzI1NiJ9.YmVuY2g.c2ln' } }],
    last_active_session_id: 'sess_2q8mBenchSession0000000',
  },
});
const notFound = JSON.stringify({ errors: [{ code: 'resource_not_found', message: 'not found', long_message: 'Not found' }], clerk_trace_id: 'bench' });

const [token, target] = process.argv.slice(2);
const unauthorized = JSON.stringify({ errors: [{ code: 'authentication_invalid', message: 'unauthorized', long_message: 'Not the bench token' }], clerk_trace_id: 'bench' });

function status(req) {
  if (req.method !== 'GET' || req.url !== target) return 404;
  return req.headers.authorization === `Bearer ${token}` ? 200 : 401;
}

const server = createServer((req, res) => {
  const code = status(req);
  req.resume();
  req.on('end', () => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(code === 200 ? body : code === 401 ? unauthorized : notFound);
  });
});
// Bench phases pause between each other: keep idle connections open across the pauses.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
process.stdin.on('end', () => process.exit(0)).resume();
