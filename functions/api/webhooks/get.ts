import { apiHandler } from '../../../shared/http/handler.ts';
import { getWebhook } from '../../../shared/app/use-cases/webhooks.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('getWebhook', deps, async ({ caller, params }) => ({
  status: 200,
  body: await getWebhook(deps, caller, params.id!),
}));
