// API keys are random secrets shown once; only their SHA-256 is stored. A key is high-entropy, so a
// fast hash is enough (no password-style stretching needed) and lookups stay one GetItem.
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from './ports.ts';

const PREFIX: Record<Role, string> = { operator: 'pd_op_', customer: 'pd_cu_', carrier: 'pd_ca_' };

export function generateApiKey(role: Role): string {
  return PREFIX[role] + randomBytes(24).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A non-secret, stable id for logs and idempotency scopes. */
export function principalIdOf(keyHash: string): string {
  return keyHash.slice(0, 16);
}
