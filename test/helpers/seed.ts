import { join } from 'node:path';

/**
 * The original Naftiko capability this project was made from, copied verbatim from
 * shared/seed/ so that a fresh clone can run the tests on its own.
 */
export const SEED = join(import.meta.dirname, '../fixtures/seed-clerk-frontend-api-invitations.yaml');
