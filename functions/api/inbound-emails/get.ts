import { apiHandler } from '../../../shared/http/handler.ts';
import { getInboundEmail } from '../../../shared/app/use-cases/inbound-email.ts';
import { inboxDeps } from '../../lib/deps.ts';

export const handler = apiHandler('getInboundEmail', inboxDeps, async ({ caller, params }) => ({
  status: 200,
  body: await getInboundEmail(inboxDeps, caller, params.id!),
}));
