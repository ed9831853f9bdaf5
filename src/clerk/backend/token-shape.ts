/**
 * Whether `token` has a shape Clerk issues as an OAuth access token, checked before spending a
 * Backend API call (and a share of the instance's rate limit) on it. Two shapes, from Clerk's
 * own descriptions (/work/shared/clerk/HOSTED.md "Access tokens are opaque by default (JWT access
 * tokens are an option)"; fapi-oauth-subset.openapi.yml's token example `oat_abc123xyz...`;
 * bapi-subset.openapi.yml's token id `oat_[0-9A-Fa-f]{32}`):
 * - opaque: `oat_` then URL-safe characters (letters, digits, `_`, `-`);
 * - JWT: three base64url parts joined by dots, the header a JSON object (base64url of `{"` is `eyJ`).
 * Deliberately loose within each shape (no fixed length or alphabet beyond base64url), so that a
 * change in Clerk's token length does not lock users out; only what cannot be either is refused.
 */
export function mayBeClerkAccessToken(token: string): boolean {
  if (token.length > MAX_TOKEN_CHARS) return false;
  return OPAQUE.test(token) || JWT.test(token);
}

// Clerk's tokens are well under 1 KiB (a JWT with a few claims under 2); 8 KiB leaves room for claims.
const MAX_TOKEN_CHARS = 8_192;
const OPAQUE = /^oat_[A-Za-z0-9_-]{16,}$/;
const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
