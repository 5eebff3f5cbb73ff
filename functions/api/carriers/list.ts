import { apiHandler } from '../../../shared/http/handler.ts';
import { listCarriers } from '../../../shared/app/use-cases/carriers.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('listCarriers', deps, async ({ caller, query }) => ({
  status: 200,
  body: await listCarriers(deps, caller, { cursor: query.cursor ?? null, limit: query.limit }),
}));
