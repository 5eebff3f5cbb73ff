import { apiHandler } from '../../../shared/http/handler.ts';
import { listAccounts } from '../../../shared/app/use-cases/accounts.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('listAccounts', deps, async ({ query }) => ({
  status: 200,
  body: await listAccounts(deps, { cursor: query.cursor ?? null, limit: query.limit }),
}));
