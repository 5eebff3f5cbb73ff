import { apiHandler } from '../../../shared/http/handler.ts';
import { createWebhook } from '../../../shared/app/use-cases/webhooks.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('createWebhook', deps, async ({ caller, body }) => {
  const webhook = await createWebhook(deps, caller, body);
  return { status: 201, body: webhook, headers: { location: `/v1/webhooks/${webhook.id}` } };
});
