import { apiHandler } from '../../../shared/http/handler.ts';
import { deleteWebhook } from '../../../shared/app/use-cases/webhooks.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('deleteWebhook', deps, async ({ caller, params }) => {
  await deleteWebhook(deps, caller, params.id!);
  return { status: 204 };
});
