import { apiHandler } from '../../../shared/http/handler.ts';
import { applyInboundEmail } from '../../../shared/app/use-cases/inbound-email.ts';
import { inboxDeps } from '../../lib/deps.ts';

export const handler = apiHandler('applyInboundEmail', inboxDeps, async ({ caller, params, body }) => ({
  status: 200,
  body: await applyInboundEmail(inboxDeps, caller, params.id!, body),
}));
