import { apiHandler } from '../../../shared/http/handler.ts';
import { listInboundEmails } from '../../../shared/app/use-cases/inbound-email.ts';
import { inboxDeps } from '../../lib/deps.ts';

export const handler = apiHandler('listInboundEmails', inboxDeps, async ({ caller, query }) => ({
  status: 200,
  body: await listInboundEmails(inboxDeps, caller, { status: query.status, cursor: query.cursor ?? null, limit: query.limit }),
}));
