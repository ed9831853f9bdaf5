// Copies the capability file next to the compiled code: the server reads it at start.
import { cpSync } from 'node:fs';

cpSync('src/capability/clerk-frontend-api-invitations.yaml', 'dist/capability/clerk-frontend-api-invitations.yaml');
