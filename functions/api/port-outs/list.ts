import { apiHandler } from '../../../shared/http/handler.ts';
import { listPortOuts } from '../../../shared/app/use-cases/port-outs.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('listPortOuts', deps, async ({ caller, query }) => ({
  status: 200,
  body: await listPortOuts(deps, caller, { ...query, cursor: query.cursor ?? null }),
}));
