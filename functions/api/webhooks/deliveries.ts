import { apiHandler } from '../../../shared/http/handler.ts';
import { listWebhookDeliveries } from '../../../shared/app/use-cases/webhooks.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('listWebhookDeliveries', deps, async ({ caller, params, query }) => ({
  status: 200,
  body: await listWebhookDeliveries(deps, caller, params.id!, { cursor: query.cursor ?? null, limit: query.limit }),
}));
