import { apiHandler } from '../../../shared/http/handler.ts';
import { dismissInboundEmail } from '../../../shared/app/use-cases/inbound-email.ts';
import { inboxDeps } from '../../lib/deps.ts';

export const handler = apiHandler('dismissInboundEmail', inboxDeps, async ({ caller, params, body }) => ({
  status: 200,
  body: await dismissInboundEmail(inboxDeps, caller, params.id!, body),
}));
