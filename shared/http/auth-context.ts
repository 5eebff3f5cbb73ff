// What the Lambda authorizer hands to every protected route (API Gateway HTTP API "simple
// responses": context values must be strings, so absent ids are empty strings).
import type { Role } from '../app/ports.ts';

export interface AuthorizerContext {
  role: Role;
  /** A stable, non-secret id of the caller: the key hash prefix. Used for idempotency scope and logs. */
  principalId: string;
  accountId: string;
  carrierId: string;
}
