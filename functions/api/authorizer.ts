// HTTP API Lambda authorizer (simple responses): `Authorization: Bearer <key>` -> the key's role
// and scope, looked up by the key's SHA-256 in one GetItem. API Gateway caches the answer per key.
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { AuthorizerContext } from '../../shared/http/auth-context.ts';
import { hashApiKey, principalIdOf } from '../../shared/app/api-keys.ts';
import { logger } from '../../shared/app/logger.ts';
import { deps } from '../lib/deps.ts';

interface SimpleAuthorizerResult {
  isAuthorized: boolean;
  context?: AuthorizerContext;
}

export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<SimpleAuthorizerResult> {
  const header = event.headers?.authorization ?? event.identitySource?.[0] ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) return { isAuthorized: false };
  const keyHash = hashApiKey(match[1]!);
  const record = await deps.repository.getApiKey(keyHash);
  if (!record) {
    logger.info('unknown api key', { principal: principalIdOf(keyHash) });
    return { isAuthorized: false };
  }
  return {
    isAuthorized: true,
    context: {
      role: record.role,
      principalId: principalIdOf(keyHash),
      accountId: record.accountId ?? '',
      carrierId: record.carrierId ?? '',
    },
  };
}
