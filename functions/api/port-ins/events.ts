import { apiHandler } from '../../../shared/http/handler.ts';
import { listPortInEvents } from '../../../shared/app/use-cases/port-ins.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('listPortInEvents', deps, async ({ caller, params, query }) => ({
  status: 200,
  body: await listPortInEvents(deps, caller, params.id!, { cursor: query.cursor ?? null, limit: query.limit }),
}));
