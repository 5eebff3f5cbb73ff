import { apiHandler } from '../../../shared/http/handler.ts';
import { listWebhooks } from '../../../shared/app/use-cases/webhooks.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('listWebhooks', deps, async ({ caller, query }) => ({
  status: 200,
  body: await listWebhooks(deps, caller, { ...query, cursor: query.cursor ?? null }),
}));
