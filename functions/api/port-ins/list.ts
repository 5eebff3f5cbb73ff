import { apiHandler } from '../../../shared/http/handler.ts';
import { listPortIns } from '../../../shared/app/use-cases/port-ins.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('listPortIns', deps, async ({ caller, query }) => ({
  status: 200,
  body: await listPortIns(deps, caller, { ...query, cursor: query.cursor ?? null }),
}));
