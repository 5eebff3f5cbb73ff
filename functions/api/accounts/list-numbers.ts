import { apiHandler } from '../../../shared/http/handler.ts';
import { listInventoryNumbers } from '../../../shared/app/use-cases/accounts.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('listAccountNumbers', deps, async ({ params, caller, query }) => ({
  status: 200,
  body: await listInventoryNumbers(deps, caller, params.id!, { cursor: query.cursor ?? null, limit: query.limit }),
}));
