import { isRecord } from '../../json.js';
import type { BackendClient, BackendRequest } from './client.js';

// The Backend API's largest page.
const PAGE = 500;

/**
 * The rows of a Backend API list (`GET` with `limit`/`offset`), a page at a time, up to `maxPages`;
 * stops after the last page. A caller that has found what it looks for stops reading, and no more
 * pages are asked for.
 */
export async function* listPages(client: BackendClient, path: string, maxPages: number, query: BackendRequest['query'] = {}, signal?: AbortSignal): AsyncGenerator<Record<string, unknown>[]> {
  for (let page = 0; page < maxPages; page++) {
    const body = await client.request({ method: 'GET', path, query: { ...query, limit: PAGE, offset: page * PAGE }, signal });
    const data = isRecord(body) && Array.isArray(body.data) ? body.data.filter(isRecord) : [];
    yield data;
    const total = isRecord(body) && typeof body.total_count === 'number' ? body.total_count : undefined;
    if (data.length < PAGE || (total !== undefined && (page + 1) * PAGE >= total)) return;
  }
}
